"""Realistic recording faults, applied to a 12-lead ECG at its native sampling rate.

Noise models follow the usual ECG noise taxonomy (Friesen et al. 1990, "A comparison of the noise
sensitivity of nine QRS detection algorithms", IEEE TBME 37(1); the MIT-BIH Noise Stress Test
Database's baseline wander / muscle artefact / electrode motion): mains interference at 50 or
60 Hz with odd harmonics, baseline wander, muscle noise, electrode motion, gain changes, a lead
zeroed. Electrode reversals follow the lead algebra of Batchvarov et al. 2007, "ECG lead
misplacement: a brief review of clinical impact, detection and prevention" (Europace 9(7)).

Additive noise is Einthoven-consistent: it is drawn for I, II and V1-V6 and the other limb leads
are derived from it (III = II - I, aVR = -(I + II)/2, aVL = I - II/2, aVF = II - I/2), as it would
be when it enters at the electrodes of a recorder that derives the limb leads.

Every function takes ``signal`` float (12, T) in mV (leads in STANDARD_LEADS order) and ``fs`` in
Hz, returns a new float32 (12, T) array, and is deterministic given ``rng`` (a
``numpy.random.Generator``). ``apply(record, name, seed)`` applies one named preset of
``PRESETS`` to an ``EcgRecord``.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np
from scipy.signal import butter, sosfiltfilt

from mirage_model.preprocess import resample
from mirage_model.records import FLAT_PTP_MV, STANDARD_LEADS, EcgRecord

I, II, III, AVR, AVL, AVF = range(6)
V1 = 6
_PRECORDIAL = slice(6, 12)


class PerturbError(ValueError):
    """An unknown perturbation or an argument it cannot use (``str()`` says which)."""


def _check(signal: np.ndarray, fs: float) -> np.ndarray:
    x = np.asarray(signal, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] != 12:
        raise PerturbError(f"expected a (12, T) signal, got shape {x.shape}")
    if not fs > 0:
        raise PerturbError(f"sampling frequency must be positive, got {fs}")
    return x


def consistent_leads(basis: np.ndarray) -> np.ndarray:
    """Expand noise drawn for I, II, V1-V6 (8, T) to 12 Einthoven/Goldberger-consistent leads (12, T)."""
    lead_i, lead_ii = basis[0], basis[1]
    out = np.empty((12, basis.shape[1]), dtype=np.float64)
    out[I], out[II] = lead_i, lead_ii
    out[III] = lead_ii - lead_i
    out[AVR] = -(lead_i + lead_ii) / 2
    out[AVL] = lead_i - lead_ii / 2
    out[AVF] = lead_ii - lead_i / 2
    out[_PRECORDIAL] = basis[2:]
    return out


def _add(x: np.ndarray, basis: np.ndarray) -> np.ndarray:
    return (x + consistent_leads(basis)).astype(np.float32)


def mains(signal: np.ndarray, fs: float, rng: np.random.Generator, freq_hz: float = 50.0,
          amplitude_mv: float = 0.1, harmonics: int = 3) -> np.ndarray:
    """Mains interference: a sinusoid at ``freq_hz`` of peak amplitude ``amplitude_mv`` (random phase
    and an amplitude between 0.5x and 1x per basis lead) plus odd harmonics (3f, 5f ... at 1/k of the
    amplitude) up to ``harmonics`` of them, each only where it lies below Nyquist. A component at
    exactly Nyquist is kept (it is what a 100 Hz recorder samples from 50 Hz mains)."""
    x = _check(signal, fs)
    t = np.arange(x.shape[1]) / fs
    basis = np.zeros((8, x.shape[1]))
    for k in range(1, 2 * harmonics, 2):
        f = freq_hz * k
        if f > fs / 2 + 1e-9:
            break
        amp = amplitude_mv / k * rng.uniform(0.5, 1.0, size=(8, 1))
        phase = rng.uniform(0, 2 * np.pi, size=(8, 1))
        basis += amp * np.sin(2 * np.pi * f * t[None] + phase)
    return _add(x, basis)


def baseline_wander(signal: np.ndarray, fs: float, rng: np.random.Generator, freq_hz: float = 0.3,
                    amplitude_mv: float = 0.5) -> np.ndarray:
    """Respiratory baseline wander: a sinusoid near ``freq_hz`` (+-20 % per basis lead) of peak
    amplitude ``amplitude_mv`` (0.5x-1x per basis lead), random phases."""
    x = _check(signal, fs)
    t = np.arange(x.shape[1]) / fs
    f = freq_hz * rng.uniform(0.8, 1.2, size=(8, 1))
    amp = amplitude_mv * rng.uniform(0.5, 1.0, size=(8, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(8, 1))
    return _add(x, amp * np.sin(2 * np.pi * f * t[None] + phase))


def muscle_noise(signal: np.ndarray, fs: float, rng: np.random.Generator, rms_mv: float = 0.05,
                 band_hz: tuple[float, float] | None = None) -> np.ndarray:
    """Muscle (EMG-like) noise: Gaussian with standard deviation ``rms_mv`` per basis lead, white,
    or band-limited to ``band_hz`` (e.g. (20, 150); the upper edge is clipped below Nyquist) and
    rescaled to the same RMS."""
    x = _check(signal, fs)
    noise = rng.standard_normal((8, x.shape[1]))
    if band_hz is not None:
        lo, hi = band_hz
        hi = min(hi, 0.45 * fs)
        if not 0 < lo < hi:
            raise PerturbError(f"muscle noise band {band_hz} Hz is empty at fs {fs} Hz")
        noise = sosfiltfilt(butter(4, [lo, hi], btype="band", fs=fs, output="sos"), noise, axis=-1)
        noise /= noise.std(axis=-1, keepdims=True) + 1e-12
    return _add(x, rms_mv * noise)


def electrode_motion(signal: np.ndarray, fs: float, rng: np.random.Generator, amplitude_mv: float = 0.5,
                     events_per_10s: float = 3.0, tau_s: float = 0.3) -> np.ndarray:
    """Electrode motion artefact: at random times one electrode's contact jumps (a step of
    +-``amplitude_mv`` that decays with time constant ``tau_s``, as the half-cell potential
    recovers). The electrode is chosen among RA, LA, LL and V1-V6 and the jump reaches every lead
    that uses that electrode (through the consistent basis for the limb electrodes)."""
    x = _check(signal, fs)
    n = x.shape[1]
    n_events = max(1, rng.poisson(events_per_10s * n / fs / 10.0))
    basis = np.zeros((8, n))
    t = np.arange(n) / fs
    for _ in range(n_events):
        start = rng.integers(0, n)
        step = rng.choice((-1.0, 1.0)) * amplitude_mv * rng.uniform(0.5, 1.0)
        shape = np.zeros(n)
        shape[start:] = step * np.exp(-(t[start:] - t[start]) / tau_s)
        electrode = rng.integers(0, 9)            # RA, LA, LL, V1..V6
        if electrode == 0:                        # RA: I and II both lose it
            basis[0] -= shape
            basis[1] -= shape
        elif electrode == 1:                      # LA: in I
            basis[0] += shape
        elif electrode == 2:                      # LL: in II
            basis[1] += shape
        else:
            basis[electrode - 1] += shape
    return _add(x, basis)


def gain(signal: np.ndarray, fs: float, rng: np.random.Generator | None = None, factor: float = 2.0,
         leads: tuple[str, ...] | None = None) -> np.ndarray:
    """Multiply ``leads`` (names; None: all 12) by ``factor`` (a wrong per-channel gain when only some)."""
    x = _check(signal, fs).copy()
    idx = _lead_indices(leads) if leads is not None else list(range(12))
    x[idx] *= factor
    return x.astype(np.float32)


def zero_leads(signal: np.ndarray, fs: float, rng: np.random.Generator | None = None,
               leads: tuple[str, ...] = ("II",)) -> np.ndarray:
    """Set ``leads`` to exactly zero (a disconnected channel that the recorder writes as 0)."""
    x = _check(signal, fs).copy()
    x[_lead_indices(leads)] = 0.0
    return x.astype(np.float32)


def pacing_spikes(signal: np.ndarray, fs: float, rng: np.random.Generator | None = None,
                  rate_bpm: float = 70.0, amplitude_mv: float = 3.0, width_ms: float = 0.5) -> np.ndarray:
    """Pacemaker stimulus artefacts: rectangular pulses of ``width_ms`` (at least one sample) at
    ``rate_bpm``, with an amplitude that differs per lead (a bipolar pacing vector seen from 12
    directions: +-0.3x to 1x ``amplitude_mv``, Einthoven-consistent), each followed by a short
    exponential recharge tail of opposite sign."""
    x = _check(signal, fs)
    n = x.shape[1]
    rng = rng if rng is not None else np.random.default_rng(0)
    width = max(1, int(round(width_ms * 1e-3 * fs)))
    pulse = np.zeros(n)
    period = 60.0 / rate_bpm * fs
    first = rng.uniform(0, period)
    tail_n = max(2, int(0.02 * fs))
    tail = -0.1 * np.exp(-np.arange(tail_n) / (0.005 * fs))
    for start in np.arange(first, n, period).astype(int):
        pulse[start:start + width] = 1.0
        end = min(n, start + width + tail_n)
        pulse[start + width:end] += tail[:end - start - width]
    weights = rng.uniform(0.3, 1.0, size=(8, 1)) * rng.choice((-1.0, 1.0), size=(8, 1))
    return _add(x, amplitude_mv * weights * pulse[None])


# -- electrode reversals ------------------------------------------------------------------------

# Limb electrode swaps as lead permutations with signs (exact, no assumption on the other leads):
# new lead i = sign * old lead src. Precordial leads are unchanged: the Wilson terminal is the
# mean of RA, LA and LL, which a swap among them leaves as it is.
_LIMB_SWAPS: dict[str, tuple[tuple[int, float], ...]] = {
    # I, II, III, aVR, aVL, aVF  <-  (source, sign)
    "LA/RA": ((I, -1), (III, 1), (II, 1), (AVL, 1), (AVR, 1), (AVF, 1)),
    "LA/LL": ((II, 1), (I, 1), (III, -1), (AVR, 1), (AVF, 1), (AVL, 1)),
    "RA/LL": ((III, -1), (II, -1), (I, -1), (AVF, 1), (AVL, 1), (AVR, 1)),
    # clockwise / counter-clockwise rotation of the three limb electrodes
    "RA>LA>LL": ((III, 1), (I, -1), (II, -1), (AVL, 1), (AVF, 1), (AVR, 1)),
    "RA>LL>LA": ((II, -1), (III, -1), (I, 1), (AVF, 1), (AVR, 1), (AVL, 1)),
}

REVERSALS: tuple[str, ...] = ("LA/RA", "LA/LL", "RA/LL", "RA>LA>LL", "RA>LL>LA", "RA/RL", "LA/RL",
                              "V1/V2", "V2/V3", "V3/V4", "V4/V5", "V5/V6")


def reverse_electrodes(signal: np.ndarray, fs: float, rng: np.random.Generator | None = None,
                       swap: str = "LA/RA") -> np.ndarray:
    """The ECG as recorded with two electrodes interchanged (``swap`` one of ``REVERSALS``).

    Limb swaps (LA/RA, LA/LL, RA/LL and the two rotations, written "RA>LA>LL": the RA electrode on
    the left arm, LA on the left leg, LL on the right arm) permute and invert limb leads exactly.
    A swap with the neutral electrode (RA/RL, LA/RL) puts that arm's electrode on the right leg,
    whose potential is taken equal to the left leg's: lead II (RA/RL) or III (LA/RL) becomes a flat
    line and the others follow from the electrode potentials (I and II, RA as reference), which
    also moves the Wilson terminal (the precordial leads change by a third of a limb lead).
    Precordial swaps ("V1/V2" ...) interchange the two leads.
    """
    x = _check(signal, fs)
    if swap in _LIMB_SWAPS:
        out = x.copy()
        for dst, (src, sign) in enumerate(_LIMB_SWAPS[swap]):
            out[dst] = sign * x[src]
        return out.astype(np.float32)
    if swap in ("RA/RL", "LA/RL"):
        ra = np.zeros(x.shape[1])            # potentials with RA as reference
        la, ll = x[I], x[II]
        wct = (ra + la + ll) / 3
        chest = x[_PRECORDIAL] + wct           # electrode potentials V1..V6
        if swap == "RA/RL":
            ra = ll                            # the RA cable now reads the right leg (~ left leg)
        else:
            la = ll
        out = np.empty_like(x)
        out[I], out[II], out[III] = la - ra, ll - ra, ll - la
        out[AVR] = ra - (la + ll) / 2
        out[AVL] = la - (ra + ll) / 2
        out[AVF] = ll - (ra + la) / 2
        out[_PRECORDIAL] = chest - (ra + la + ll) / 3
        return out.astype(np.float32)
    if "/" in swap and all(p in STANDARD_LEADS[6:] for p in swap.split("/")):
        a, b = _lead_indices(tuple(swap.split("/")))
        out = x.copy()
        out[[a, b]] = x[[b, a]]
        return out.astype(np.float32)
    raise PerturbError(f"unknown electrode reversal {swap!r} (known: {', '.join(REVERSALS)})")


def _lead_indices(leads: tuple[str, ...]) -> list[int]:
    lower = [n.lower() for n in STANDARD_LEADS]
    out = []
    for name in leads:
        if name.lower() not in lower:
            raise PerturbError(f"unknown lead {name!r} (known: {', '.join(STANDARD_LEADS)})")
        out.append(lower.index(name.lower()))
    return out


# -- named presets ------------------------------------------------------------------------------

Perturbation = Callable[[np.ndarray, float, np.random.Generator], np.ndarray]


def _preset(fn, **kw) -> Perturbation:
    return lambda signal, fs, rng: fn(signal, fs, rng, **kw)


PRESETS: dict[str, Perturbation] = {
    "mains 50 Hz 0.1 mV": _preset(mains, freq_hz=50.0, amplitude_mv=0.1),
    "mains 60 Hz 0.1 mV": _preset(mains, freq_hz=60.0, amplitude_mv=0.1),
    "baseline wander 0.3 Hz 0.5 mV": _preset(baseline_wander, freq_hz=0.3, amplitude_mv=0.5),
    "muscle noise 0.05 mV": _preset(muscle_noise, rms_mv=0.05),
    "electrode motion 0.5 mV": _preset(electrode_motion, amplitude_mv=0.5),
    "gain x2 all leads": _preset(gain, factor=2.0),
    "gain x0.5 all leads": _preset(gain, factor=0.5),
    "gain x2 lead V2": _preset(gain, factor=2.0, leads=("V2",)),
    "lead II zeroed": _preset(zero_leads, leads=("II",)),
    "lead V1 zeroed": _preset(zero_leads, leads=("V1",)),
    **{f"reversal {s}": _preset(reverse_electrodes, swap=s) for s in REVERSALS},
}


# the presets that draw from the seed (random phases, noise, events); the others give the same copy for
# every seed, so one draw of them is all there is
SEEDED = frozenset({"mains 50 Hz 0.1 mV", "mains 60 Hz 0.1 mV", "baseline wander 0.3 Hz 0.5 mV",
                    "muscle noise 0.05 mV", "electrode motion 0.5 mV"})


def perturb_signal(signal: np.ndarray, fs: float, name: str, seed: int = 0) -> np.ndarray:
    """Apply the preset ``name`` of ``PRESETS`` to ``signal`` (12, T) mV; float32 (12, T)."""
    if name not in PRESETS:
        raise PerturbError(f"unknown perturbation {name!r} (known: {', '.join(PRESETS)})")
    return PRESETS[name](signal, fs, np.random.default_rng(seed))


def apply(record: EcgRecord, name: str, seed: int = 0) -> EcgRecord:
    """A copy of ``record`` with the preset ``name`` applied at its native rate.

    NaN samples (missing, flagged by the loader) stay NaN. The loader's "flat" flags are recomputed
    for the new signal (peak-to-peak below ``io.FLAT_PTP_MV``); the other flags are kept as they
    were; ``meta["perturbation"]`` names the preset and seed.
    """
    sig = np.asarray(record.signal, dtype=np.float64)
    nan = np.isnan(sig)
    out = perturb_signal(np.where(nan, 0.0, sig), record.fs, name, seed)
    out[nan] = np.nan
    quality = {k: np.asarray(v).copy() for k, v in record.quality.items()}
    with np.errstate(invalid="ignore"):
        ptp = np.nanmax(out, axis=1) - np.nanmin(out, axis=1) if out.shape[1] else np.zeros(12)
    quality["flat"] = ~(np.nan_to_num(ptp, nan=0.0) >= FLAT_PTP_MV)
    meta = dict(record.meta, perturbation={"name": name, "seed": int(seed)})
    return dataclasses.replace(record, signal=out.astype(np.float32), quality=quality, meta=meta)


def at_rate(record: EcgRecord, fs: float) -> EcgRecord:
    """A copy of ``record`` resampled to ``fs`` Hz (polyphase, ``preprocess.resample``).

    For perturbing a low-rate file the way a recording at ``fs`` would be perturbed: white noise
    added to PTB-XL's 100 Hz files lies wholly inside the model's band, while from a 500 Hz
    recording four fifths of it lie above 50 Hz and are filtered away before the model. Up-sampling
    adds nothing above the file's own Nyquist. A sample is NaN where the nearest original sample
    was; flags are kept; ``meta["resampled_from_hz"]`` gives the original rate.
    """
    if not np.isfinite(fs) or fs <= 0:
        raise PerturbError(f"cannot resample to {fs} Hz")
    if fs == record.fs:
        return record
    sig = np.asarray(record.signal, dtype=np.float64)
    nan = ~np.isfinite(sig)
    out = resample(np.where(nan, 0.0, sig), record.fs, fs)
    if nan.any():
        nearest = np.minimum(np.rint(np.arange(out.shape[1]) * (record.fs / fs)).astype(np.int64), sig.shape[1] - 1)
        out[nan[:, nearest]] = np.nan
    meta = dict(record.meta, resampled_from_hz=float(record.fs))
    return dataclasses.replace(record, signal=out.astype(np.float32), fs=float(fs),
                               quality={k: np.asarray(v).copy() for k, v in record.quality.items()}, meta=meta)
