"""The paper's preprocessing, one path for training, inference, the app and reports.

Follows the MIRAGE paper's recipe: Butterworth band-pass 0.05-75 Hz at the native rate,
zero-phase (forward-backward ``scipy.signal.sosfilt``, see Edges), polyphase resampling to 100 Hz
(``scipy.signal.resample_poly`` with a rational factor: 500 Hz -> 1/5, 1000 Hz -> 1/10,
360 Hz -> 5/18, 257 Hz -> 100/257), per-lead instance normalisation and fixed 10 s windows.
``model_inputs`` is the single entry point: training, inference and the app all call it.

Decisions this module makes (and its tests check):

* **Low-pass corner near Nyquist.** When ``high_hz`` is at or above 0.9 x Nyquist of the native
  rate (PTB-XL at 100 Hz: Nyquist 50 Hz < 75 Hz), the low-pass half is *skipped* and only the
  0.05 Hz high-pass is applied. Such a signal is already band-limited by its own acquisition
  (PTB-XL's 100 Hz files were decimated with an anti-alias filter), and the polyphase resampler's
  anti-alias filter limits every record to below 50 Hz anyway. Clamping the corner to, say,
  45 Hz instead would attenuate 30-50 Hz on 100 Hz records but not on 500 Hz records, so the same
  ECG would reach the model differently depending on its file's rate.
* **Edges.** ``scipy.signal.sosfiltfilt``'s defaults (odd reflection about the edge sample, filter
  state set from the edge sample) leave a slowly decaying offset of the size of the edge sample
  after a 0.05 Hz high-pass: a 10 Hz sine comes out up to 0.6 mV wrong near the ends.
  ``zero_phase`` instead reflects each end evenly (mirror, no DC step) for ``pad_s`` seconds and
  starts each pass in the steady state of the first second's mean. On 10 s crops of the three
  38 s PTB Diagnostic records (at 1000 Hz and at 100 Hz), the 0.05 Hz high-pass stays within
  0.35 mV (mean RMS 0.03 mV) of filtering the whole record, against 3.6 mV (RMS 0.12 mV) for
  ``sosfiltfilt``'s defaults. The low-pass half keeps ``sosfiltfilt`` with odd padding (its
  transients last milliseconds). The resampler extends each end
  linearly (``padtype="line"``).
* **Missing samples (NaN, +-inf).** Non-finite samples are bridged by linear interpolation
  between their finite neighbours (held flat at the ends) for filtering and resampling only,
  then set back to NaN in ``filter_signal`` / ``filtered_resampled`` output (a resampled sample
  is NaN when its nearest native sample was). A lead with no finite sample stays NaN there.
  ``model_inputs`` never returns NaN: normalisation statistics use
  the finite samples only, and missing samples become 0 (the lead's mean after normalisation,
  0 mV baseline in ``mv`` and in the image). A wholly missing lead is all zeros, like a flat lead.
* **Flat leads.** A lead whose standard deviation in a window is at most ``eps`` (mV) is all
  zeros after normalisation, never NaN.
* **Fixed 10 s input.** A record no longer than ``window_s`` (after resampling) gives one window
  starting at 0 s, zero-padded at the end after normalisation (statistics use the real samples
  only). A longer record is cut into windows of ``window_s`` every ``stride_s``; one more window,
  ending at the record's end, is added when the stride leaves at least ``TAIL_MIN_S`` (1 s)
  unscored, so less than 1 s at the end can go unscored (a 10.5 s record gives one window).
  More than ``max_windows`` windows are thinned to ``max_windows`` starts spread evenly from the
  first to the last. ``ModelInputs.starts_s`` gives each window's start time in the original
  record; aggregation over windows happens in inference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np
from scipy import signal as sps

from mirage_model.errors import MirageInputError
from mirage_model.render import RenderConfig, render_ecg
from mirage_model.words import counted


class PreprocessError(MirageInputError, ValueError):
    """A signal that cannot be preprocessed; ``str(err)`` says what is wrong with it."""


@dataclass(frozen=True)
class PreprocessConfig:
    low_hz: float = 0.5           # band-pass lower corner (Hz); the paper's 0.05 in checkpoints before v2 (see LEGACY)
    high_hz: float = 75.0         # band-pass upper corner (Hz); skipped when >= 0.9 x native Nyquist
    order: int = 2                # Butterworth order (applied forwards and backwards: zero-phase)
    mains_hz: tuple[float, ...] = (50.0, 60.0)   # mains fundamentals notched with their harmonics (empty: off)
    mains_window_s: float = 0.5   # window of the local least-squares mains fit (s); removes ~1/window Hz around each
    model_lowpass_hz: float = 40.0  # zero-phase low-pass at target_fs after resampling (0: off); nothing near Nyquist survives
    lowpass_order: int = 4        # Butterworth order of that low-pass (forwards and backwards)
    denoise_k: float = 0.0        # wavelet shrinkage at target_fs, threshold in noise SDs (0: off; see ``wavelet_denoise``)
    denoise_wavelet: str = "sym4"  # its wavelet (stationary transform)
    denoise_levels: int = 4       # and its detail levels (at 100 Hz: 25-50, 12.5-25, 6-12.5, 3-6 Hz)
    denoise_floor_mv: float = 0.0  # least noise SD (mV, white at target_fs before the low-pass) the shrinkage assumes
    target_fs: float = 100.0      # model sampling rate (Hz)
    window_s: float = 10.0        # model input length (s): T = target_fs * window_s = 1000
    stride_s: float = 5.0         # hop between windows for records longer than window_s
    max_windows: int = 16         # cap on windows scored for very long records
    eps: float = 1e-6             # instance-norm stability: a lead with std <= eps (mV) is flat -> zeros
    pad_s: float = 1.0            # mirror padding of the zero-phase filter at each end (s)

    @property
    def n_samples(self) -> int:
        return int(round(self.target_fs * self.window_s))

    @classmethod
    def from_dict(cls, doc: dict) -> "PreprocessConfig":
        """Rebuild from ``asdict`` output; keys a checkpoint lacks take their values from ``LEGACY``.

        Checkpoints written before the mains notch and the post-resampling low-pass existed were
        trained without them: they keep the preprocessing they were trained on.

        Raises:
            TypeError: unknown keys.
        """
        if not isinstance(doc, dict):
            raise TypeError(f"preprocess settings must be a JSON object, got {type(doc).__name__}")
        values = {**LEGACY, **doc}
        if "mains_hz" in values:
            values["mains_hz"] = tuple(float(f) for f in values["mains_hz"])
        return cls(**values)


# What a checkpoint without these keys was trained with (MIRAGE Review 0.1: the paper's band-pass only).
LEGACY = {"low_hz": 0.05, "mains_hz": (), "model_lowpass_hz": 0.0, "denoise_k": 0.0}


# Above this fraction of Nyquist the low-pass corner is not applied (see the module docstring).
LOWPASS_MAX_NYQUIST_FRACTION = 0.9
# A record's tail past the last stride is scored by an extra end-aligned window only if at least this long (s).
TAIL_MIN_S = 1.0


def _check_signal(signal: np.ndarray, fs: float) -> np.ndarray:
    """Validate (L, T) and fs; return a float64 copy."""
    x = np.asarray(signal)
    if x.ndim != 2:
        raise PreprocessError(f"signal must be 2-D (leads, samples), got shape {x.shape}")
    if x.shape[0] < 1 or x.shape[1] < 2:
        raise PreprocessError(f"signal has {counted(x.shape[0], 'lead')} and {counted(x.shape[1], 'sample')}; "
                              "need at least 1 lead and 2 samples")
    if not np.issubdtype(x.dtype, np.number) or np.iscomplexobj(x):
        raise PreprocessError(f"signal must be real numbers, got dtype {x.dtype}")
    if not (np.isscalar(fs) and np.isfinite(fs) and fs > 0):
        raise PreprocessError(f"sampling frequency must be a positive number, got {fs!r}")
    return x.astype(np.float64, copy=True)


@lru_cache(maxsize=64)
def design_filter(fs: float, low_hz: float, high_hz: float, order: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Butterworth band-pass for the native rate as a high-pass and a low-pass cascade.

    With corners 1500x apart the cascade of an order-N high-pass and an order-N low-pass equals
    the order-N band-pass to within 3e-4 in magnitude (200-1000 Hz); keeping the halves apart lets each get
    the edge treatment that suits it (see ``band_pass``).

    Returns:
        (highpass_sos, lowpass_sos): lowpass_sos is None when ``high_hz`` >= 0.9 x Nyquist
        (the low-pass is skipped, see the module docstring).
    """
    nyq = fs / 2.0
    if not 0 < low_hz < LOWPASS_MAX_NYQUIST_FRACTION * nyq:
        raise PreprocessError(f"high-pass corner {low_hz} Hz is not below Nyquist ({nyq} Hz) of fs={fs} Hz")
    hp = sps.butter(order, low_hz, btype="highpass", fs=fs, output="sos")
    if high_hz >= LOWPASS_MAX_NYQUIST_FRACTION * nyq:
        return hp, None
    if high_hz <= low_hz:
        raise PreprocessError(f"low-pass corner {high_hz} Hz is not above the high-pass corner {low_hz} Hz")
    return hp, sps.butter(order, high_hz, btype="lowpass", fs=fs, output="sos")


def bridge_missing(x: np.ndarray) -> np.ndarray:
    """Bridge non-finite samples of (L, T) in place; return the (L, T) mask of what was bridged.

    Linear between finite neighbours, flat at the ends, 0 for a lead with no finite sample.
    """
    bad = ~np.isfinite(x)
    if not bad.any():
        return bad
    idx = np.arange(x.shape[1])
    for lead in np.flatnonzero(bad.any(axis=1)):
        ok = ~bad[lead]
        x[lead] = np.interp(idx, idx[ok], x[lead, ok]) if ok.any() else 0.0
    return bad


def zero_phase(sos: np.ndarray, x: np.ndarray, fs: float, pad_s: float = 1.0) -> np.ndarray:
    """Forward-backward SOS filtering of (L, T) along time with mirror padding and mean-state start.

    Each end is extended by an even reflection of ``pad_s`` seconds (at most T - 1 samples), and
    each pass starts in the filter's steady state for the mean of its first second, so a slow
    high-pass neither sees a step at the edge nor starts from the edge sample's value.
    """
    T = x.shape[-1]
    padlen = int(min(T - 1, round(pad_s * fs)))
    ext = np.pad(x, ((0, 0), (padlen, padlen)), mode="reflect") if padlen > 0 else x
    navg = max(1, int(round(fs)))
    zi = sps.sosfilt_zi(sos)[:, None, :]                          # (sections, 1, 2)

    def one_pass(v: np.ndarray) -> np.ndarray:
        start = v[:, :navg].mean(axis=1)                          # (L,)
        out, _ = sps.sosfilt(sos, v, axis=-1, zi=zi * start[None, :, None])
        return out

    y = one_pass(ext)
    y = one_pass(y[:, ::-1])[:, ::-1]
    return np.ascontiguousarray(y[:, padlen:padlen + T])


def mains_frequencies(fs: float, mains_hz: tuple[float, ...]) -> tuple[float, ...]:
    """Each mains fundamental and its harmonics below 0.95 x Nyquist of ``fs`` (Hz), sorted.

    50 Hz at fs = 100 Hz sits on Nyquist and cannot be told from the signal at that rate; the
    model low-pass after resampling removes it there (see ``model_lowpass``).
    """
    nyq = fs / 2.0
    return tuple(sorted({round(k * f, 6) for f in mains_hz for k in range(1, int(nyq // f) + 1)
                         if k * f < 0.95 * nyq}))


@lru_cache(maxsize=32)
def _mains_operator(fs: float, freqs: tuple[float, ...], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(D (n, P), G_inv (P, P), w (n,)): a constant, a ramp, and per frequency cos, sin, t cos, t sin over n samples.

    The Hann-weighted least-squares coefficients of a window x are ``G_inv @ D.T @ (w * x)``
    (``G = D.T W D``; its condition number is about 250 at every rate, so the normal equations
    lose nothing a pseudo-inverse would keep). The taper makes each column's leakage fall off fast
    away from its frequency, so ECG content far below the mains (P, QRS, T waves, which do not fill
    a window with whole periods) is not mistaken for mains.
    """
    t = np.arange(n) / fs
    tc = t - t.mean()
    cols = [np.ones(n), tc]
    for f in freqs:   # a pair per frequency, and the pair times t: first order in a drift of the mains frequency
        c, s = np.cos(2 * np.pi * f * t), np.sin(2 * np.pi * f * t)
        cols += [c, s, tc * c, tc * s]
    D = np.stack(cols, axis=1)
    w = np.hanning(n + 2)[1:-1]                                        # positive everywhere
    Dw = D * np.sqrt(w)[:, None]
    return D, np.linalg.inv(Dw.T @ Dw), w                              # Dw.T @ Dw: one symmetric product (syrk)


def _dft_bins(fs: float, freqs: tuple[float, ...], n: int) -> np.ndarray | None:
    """Each of ``freqs`` as a bin of an n-point DFT at ``fs`` (int (F,)), or None when one falls between bins.

    0.5 s windows hold whole periods of every multiple of 2 Hz (50/60 Hz and their harmonics)
    whenever fs x 0.5 is a whole number, as at 250, 500, 1000 ... 10000 Hz.
    """
    k = np.asarray(freqs, dtype=np.float64) * n / fs
    bins = np.rint(k)
    if np.abs(k - bins).max() > 1e-9 or bins.min() < 1 or 2 * bins.max() >= n:
        return None
    return bins.astype(np.int64)


# Pacing spikes: samples standing out of a short running median by more than this are bridged before the fit.
SPIKE_MEDIAN_S = 0.011       # running-median width (s): wider than a pacing spike, narrower than a QRS
SPIKE_MIN_MV = 0.3           # never below this (mV), however clean the lead
SPIKE_ROBUST_SD = 8.0        # nor below this many robust SDs of the lead's residual (mains itself, noise)
SPIKE_DILATE_S = 0.003       # the spike's neighbours go too (s each side)
SPIKE_MAX_FRACTION = 0.05    # a lead flagged over more of its samples holds no pacing spikes: mains with harmonics
SPIKE_MAINS_MV = 0.1         # a lead whose mains fit peaks above this (mV) is searched with its mains subtracted


def _spike_mask(x: np.ndarray, fs: float, cap: bool = True) -> np.ndarray:
    """bool (L, T): samples near a narrow spike (a pacing artefact), which a sinusoid fit would smear into ringing
    (``cap`` False: also in leads flagged over more than ``SPIKE_MAX_FRACTION``).

    Not the quality check's stimulus detector (``quality.indices.pacing_spikes``), which says where pacing
    stimuli are: this marks, lead by lead and at any rate, what the mains fit must not follow, and the model's
    inputs are made with it (``band_pass``). That detector's spiky samples in this mask's place (widened and
    capped alike) changed the model's inputs of 49 of 398 records (23 of LUDB's 100, all 8 paced among them;
    26 of 98 CinC samples; none of 200 PTB-XL at 100 Hz, which have no mains fit): up to 0.045 mV, 1 pixel.
    """
    from scipy.ndimage import binary_dilation, median_filter

    k = max(3, int(round(SPIKE_MEDIAN_S * fs)) | 1)
    mask = np.zeros(x.shape, dtype=bool)
    for i, lead in enumerate(x):   # lead by lead: scipy's 1-D median filter is 20x faster than its n-D one at 10 kHz
        resid = lead - median_filter(lead, size=k, mode="nearest")
        mad = np.median(np.abs(resid - np.median(resid)))
        mask[i] = np.abs(resid) > np.maximum(SPIKE_ROBUST_SD * 1.4826 * mad, SPIKE_MIN_MV)
    d = int(round(SPIKE_DILATE_S * fs))
    if d > 0 and mask.any():
        mask = binary_dilation(mask, structure=np.ones((1, 2 * d + 1), bool))
    # Pacing spikes, dilated, cover about 1 % of a lead at 80 bpm. 0.3 mV of 50 Hz with its
    # harmonics has peaks as sharp: half the samples were flagged, bridged, and 0.46 mV was left.
    if cap:
        mask[mask.mean(axis=1) > SPIKE_MAX_FRACTION] = False
    return mask


def _without_spikes(x: np.ndarray, fs: float, freqs: tuple[float, ...] = (), n: int = 0,
                    lines: np.ndarray | None = None) -> np.ndarray:
    """(L, T) copy of ``x`` with the samples of ``_spike_mask`` linearly interpolated from their neighbours.

    With mains ``freqs`` and a fit window of n samples, a lead that carries a mains line (``mains_lines``) whose fit
    there, so bridged, peaks above ``SPIKE_MAINS_MV`` (sqrt(2) x RMS) is searched again with its mains subtracted:
    0.4-0.9 mV of 50 Hz at 500 Hz put peaks on the QRS complexes that the search took for spikes, the fit of their
    windows, bridged there, left up to 0.28 mV of mains near each R peak, and the mains' own spread hid pacing
    spikes from the search. The mains is fitted twice: without a bridge, where a 5 mV stimulus rings (what stands
    out of that residual, uncapped, is bridged), then on that bridged copy. Below the bar the mask is the one of
    ``x`` itself, bit for bit: of 201 real records (LUDB, CinC, PTB Diagnostic samples) one, with 0.38 mV of mains,
    reaches it, and its mask comes out the same. ``lines``: ``mains_lines`` of ``x`` where the caller has them.
    """
    mask = _spike_mask(x, fs)
    if freqs and 4 <= n <= x.shape[1]:
        lines = mains_lines(x, fs, freqs) if lines is None else lines  # (L, F)
        for i in np.nonzero(lines.any(axis=1))[0]:                     # lead by lead: a lead's copies, not the record's
            xi, keep = x[i:i + 1], lines[i:i + 1]                      # (1, T), (1, F)
            fit = _mains_fit(_bridged(xi, mask[i:i + 1]), fs, freqs, n, keep)
            if np.sqrt(2.0 * np.mean(fit ** 2)) <= SPIKE_MAINS_MV:
                continue
            rough = _spike_mask(xi - _mains_fit(xi, fs, freqs, n, keep), fs, cap=False)
            fit = _mains_fit(_bridged(xi, rough), fs, freqs, n, keep)
            mask[i] = _spike_mask(xi - fit, fs)[0]
    return _bridged(x, mask)


def _bridged(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(L, T) copy of ``x`` with the samples of bool (L, T) ``mask`` linearly interpolated; ``x`` when none."""
    if not mask.any():
        return x
    y = x.copy()
    t = np.arange(x.shape[1])
    for lead in np.nonzero(mask.any(axis=1))[0]:
        bad = mask[lead]
        if bad.all():
            continue
        y[lead, bad] = np.interp(t[bad], t[~bad], x[lead, ~bad])
    return y


# Which mains lines are fitted: only those standing out of the record's own long-window spectrum.
MAINS_DRIFT = 0.01           # a mains line is looked for within this fraction of its frequency (50 +- 0.5 Hz)
MAINS_NEIGHBOURS_HZ = 5.0    # its neighbourhood: this many Hz each side beyond the search band
MAINS_LINE_RATIO = 8.0       # a line is mains when it stands this many times above its neighbourhood's median
MAINS_RECORD_RATIO = 4.0     # or when the leads' spectra, each over its neighbourhood's median, average this high


def mains_lines(x: np.ndarray, fs: float, freqs: tuple[float, ...]) -> np.ndarray:
    """bool (L, F): which of ``freqs`` each lead of finite (L, T) mV carries as a line (mains), not as broadband ECG.

    The record's Hann-windowed spectrum (zero-padded to a quarter of its resolution) is searched
    within ``MAINS_DRIFT`` of each frequency (and at least two bins of the record's resolution); the
    line counts when its peak stands ``MAINS_LINE_RATIO`` times above the median of the spectrum
    ``MAINS_NEIGHBOURS_HZ`` beyond on both sides. A QRS complex has energy at 50-200 Hz too, which a
    0.5 s window's fit cannot tell from mains; over the whole record it spreads over the
    neighbourhood (beats are not periodic at the mains frequency) while mains stays one line.
    """
    from scipy.fft import next_fast_len, rfft

    L, T = x.shape
    w = np.hanning(T + 2)[1:-1]
    nfft = next_fast_len(4 * T, real=True)
    df = fs / nfft
    res = 2.0 * fs / T                                                 # the Hann window's half main lobe (Hz)
    gap = int(res / df)
    bands = []                                                         # per frequency: search bins, neighbourhood bins below, above
    for f in freqs:
        tol = max(MAINS_DRIFT * f, res)
        lo, hi = int(np.floor((f - tol) / df)), min(int(np.ceil((f + tol) / df)) + 1, nfft // 2 + 1)
        nlo = max(0, int(np.floor((f - tol - MAINS_NEIGHBOURS_HZ) / df)))
        nhi = min(nfft // 2 + 1, int(np.ceil((f + tol + MAINS_NEIGHBOURS_HZ) / df)) + 1)
        bands.append((lo, hi, nlo, max(nlo, lo - gap), min(nhi, hi + gap), nhi))
    peak = np.full((L, len(freqs)), np.inf)                            # each lead's line over its neighbourhood
    pooled = [np.zeros(hi - lo) for lo, hi, *_ in bands]               # the leads' mean of the same, bin by bin
    for i in range(L):                                                 # lead by lead: a minute at 10 kHz pads to 2.4 M
        amp = np.abs(rfft(((x[i] - x[i].mean()) * w).astype(np.float32), nfft))   # float32: a detection, not a fit
        for j, (lo, hi, a0, a1, b0, b1) in enumerate(bands):
            if (a1 - a0) + (b1 - b0) >= 4:                             # else too near Nyquist to tell: fitted
                line = amp[lo:hi].astype(np.float64) / max(float(np.median(np.r_[amp[a0:a1], amp[b0:b1]])), 1e-300)
                peak[i, j] = line.max()
                pooled[j] += line / L
    return (peak > MAINS_LINE_RATIO) | (np.array([p.max() for p in pooled]) > MAINS_RECORD_RATIO)[None, :]


MAINS_CHUNK = 1 << 19        # samples (all leads) of the windows fitted at once: bounds the memory at any rate
MAINS_FFT_COLUMNS = 200      # FFTs instead of products from this many columns (4 kHz and up; equal cost near 3 kHz)


def remove_mains(x: np.ndarray, fs: float, mains_hz: tuple[float, ...], window_s: float = 0.5,
                 only_present: bool = True) -> np.ndarray:
    """Subtract mains interference from finite (L, T) mV: local least-squares sinusoids, overlap-added.

    In windows of ``window_s`` (hop window_s / 2, Hann-weighted and renormalised so the ends are
    covered too) each lead is fitted, by Hann-weighted least squares, with a constant, a ramp and a
    cosine/sine pair at every mains frequency (``mains_frequencies``); only the fitted sinusoids are
    subtracted. Unlike a notch filter there is no start-up transient at the record's ends,
    amplitude and phase may drift from window to window, and each window removes only a band of
    about 2 / window_s Hz around each frequency. The t cos / t sin terms follow a mains frequency a
    few tenths of a hertz off nominal (50.3 Hz leaves < 3 %). Samples near a narrow spike (pacing,
    ``_spike_mask``; looked for with loud mains subtracted, ``_without_spikes``) are bridged by interpolation in the
    copy the sinusoids are fitted to, so the spike is not turned into ringing (it is kept in the output).

    A 0.5 s window cannot tell mains from the 50-200 Hz content of a QRS complex or from broadband
    noise: fitting every frequency took up to 0.1 mV (RMS 4-10 uV) from real records whose mains
    lines are 1-5 uV (LUDB, PTB Diagnostic, Challenge samples). With ``only_present`` (the default)
    a lead is fitted only at the frequencies it carries as a line (``mains_lines``); a mains-free
    lead comes out unchanged. False fits every frequency in every lead, as the model's
    preprocessing (``band_pass``) still does: the shipped models' probabilities depend on it.

    With many harmonics (``MAINS_FFT_COLUMNS``), when every frequency is a DFT bin of the window
    (``_dft_bins``), the fit's inner products and its sinusoids come from FFTs of each window,
    O(n log n) instead of O(n P) a window; the least-squares fit is the same (within 1e-12 mV of
    the pseudo-inverse's; the tests allow 1e-6 mV). Windows are fitted a block at a time
    (``MAINS_CHUNK``), so the memory stays a few record copies at any length.

    Returns:
        float64 (L, T) mV; ``x`` itself when no mains frequency lies below Nyquist, T < one window,
        or (``only_present``) no lead carries a mains line.
    """
    freqs = mains_frequencies(float(fs), tuple(mains_hz))
    L, T = x.shape
    n = int(round(window_s * fs))
    if not freqs or n < 4 or T < n:
        return x
    lines = mains_lines(x, float(fs), freqs)                           # (L, F): also where the spikes are looked for
    xs = _without_spikes(x, float(fs), freqs, n, lines)
    if not only_present:
        keep = np.ones((L, len(freqs)), dtype=bool)
    else:      # the lines of the copy fitted to: those of x itself where no spike was bridged
        keep = lines if xs is x else mains_lines(xs, float(fs), freqs)
    if not keep.any():
        return x
    fit = _mains_fit(xs, float(fs), freqs, n, keep)
    return np.subtract(x, fit, out=fit)                                # in place: the memory stays a few record copies


def _mains_fit(xs: np.ndarray, fs: float, freqs: tuple[float, ...], n: int, keep: np.ndarray) -> np.ndarray:
    """(L, T) mV: the sinusoids fitted to ``xs`` in overlapping windows of n samples, overlap-added.

    Every frequency is fitted jointly (one cached operator per rate); only those ``keep`` (L, F)
    marks for a lead are synthesised, the others' coefficients are dropped.
    """
    L, T = xs.shape
    hop = max(1, n // 2)
    starts = np.arange(0, T - n + 1, hop)
    if starts[-1] != T - n:
        starts = np.append(starts, T - n)
    D, G_inv, w = _mains_operator(float(fs), freqs, n)
    bins = _dft_bins(float(fs), freqs, n) if D.shape[1] >= MAINS_FFT_COLUMNS else None
    tc = D[:, 1]                                                       # window time, centred (s)
    acc = np.zeros((L, T))
    norm = np.zeros(T)
    kept = np.repeat(keep, 4, axis=1)[:, None, :].astype(np.float64)  # (L, 1, P - 2): cos, sin, t cos, t sin per frequency
    per = max(1, MAINS_CHUNK // max(1, L * n))                       # windows fitted at once
    for c0 in range(0, len(starts), per):
        block = starts[c0:c0 + per]
        seg = xs[:, block[:, None] + np.arange(n)[None, :]] * w        # (L, W', n): weighted windows
        if bins is None:                                               # few columns, or a frequency between bins
            coef = (seg @ D) @ G_inv                                   # (L, W', P); G_inv is symmetric
            coef[..., 2:] *= kept                                      # absent lines are not subtracted
            fit = coef[..., 2:] @ D[:, 2:].T                           # (L, W', n): the sinusoids only
        else:
            a = np.fft.rfft(seg, axis=-1)                              # (L, W', n // 2 + 1): sum w x e^-i..
            b = np.fft.rfft(seg * tc, axis=-1)                         # the same for w t x
            prod = np.empty(seg.shape[:2] + (D.shape[1],))             # (L, W', P): D.T @ (w x), column order of D
            prod[..., 0], prod[..., 1] = a[..., 0].real, b[..., 0].real
            a, b = a[..., bins], b[..., bins]                          # (L, W', F)
            prod[..., 2::4], prod[..., 3::4] = a.real, -a.imag
            prod[..., 4::4], prod[..., 5::4] = b.real, -b.imag
            coef = prod @ G_inv                                        # (L, W', P)
            coef[..., 2:] *= kept                                      # absent lines are not subtracted
            spec = np.zeros(seg.shape[:2] + (n // 2 + 1,), complex)    # irfft of c (n/2) at bin k: c cos(2 pi k m / n)
            spec[..., bins] = (coef[..., 2::4] - 1j * coef[..., 3::4]) * (n / 2)
            fit = np.fft.irfft(spec, n, axis=-1)
            spec[..., bins] = (coef[..., 4::4] - 1j * coef[..., 5::4]) * (n / 2)
            fit += np.fft.irfft(spec, n, axis=-1) * tc                 # (L, W', n): the sinusoids only
        fit *= w
        for k, s0 in enumerate(block):                                 # W adds of (L, n); W ~ 4 T / (fs window_s)
            acc[:, s0:s0 + n] += fit[:, k]
            norm[s0:s0 + n] += w
    acc /= norm
    return acc


@lru_cache(maxsize=16)
def design_model_lowpass(target_fs: float, cutoff_hz: float, order: int) -> np.ndarray | None:
    """Butterworth low-pass (SOS) applied at the model's rate; None when off or at/above Nyquist."""
    if cutoff_hz <= 0 or cutoff_hz >= 0.95 * target_fs / 2.0:
        return None
    return sps.butter(order, cutoff_hz, btype="lowpass", fs=target_fs, output="sos")


def _filtfilt(sos: np.ndarray, y: np.ndarray, pad_samples: float, padtype: str = "odd") -> np.ndarray:
    return sps.sosfiltfilt(sos, y, axis=-1, padtype=padtype, padlen=int(min(y.shape[-1] - 1, round(pad_samples))))


def band_pass(x: np.ndarray, fs: float, cfg: PreprocessConfig = PreprocessConfig()) -> np.ndarray:
    """Zero-phase band-pass and mains notches of finite (L, T) mV at the native rate (no NaN handling: see ``filter_signal``).

    The slow high-pass runs through ``zero_phase`` (mirror padding, mean-state start). The
    low-pass, whose transients last milliseconds, uses ``sosfiltfilt`` with odd padding, which
    keeps the slope continuous at the edge (a mirror would put a kink there). Mains interference
    is subtracted first, by ``remove_mains`` (no edge transient, unlike a notch filter).
    """
    hp, lp = design_filter(float(fs), cfg.low_hz, cfg.high_hz, cfg.order)
    if cfg.mains_hz:   # first: the filters' edge padding would turn mains at the ends into broadband transients
        # every frequency, present or not, as the shipped models were used with (README, Preprocessing 1)
        x = remove_mains(x, float(fs), tuple(cfg.mains_hz), cfg.mains_window_s, only_present=False)
    y = zero_phase(hp, x, fs, cfg.pad_s)
    if lp is not None:
        y = _filtfilt(lp, y, 0.1 * fs)
    return y


def model_lowpass(y: np.ndarray, cfg: PreprocessConfig = PreprocessConfig()) -> np.ndarray:
    """Zero-phase low-pass of finite (L, T') mV at ``cfg.target_fs`` (``model_lowpass_hz``; identity when off).

    The polyphase resampler's anti-alias filter passes its cutoff (the model's Nyquist, 50 Hz)
    at half amplitude, and a file recorded at 100 Hz carries 50 Hz mains on Nyquist itself; a
    Butterworth low-pass has a zero at Nyquist, so after it nothing at or near the model's
    Nyquist reaches the model, whatever the file's rate.
    """
    lp = design_model_lowpass(float(cfg.target_fs), float(cfg.model_lowpass_hz), int(cfg.lowpass_order))
    # even padding continues a Nyquist-rate alternation exactly (odd padding would add a step of 2 x[0])
    return y if lp is None else _filtfilt(lp, y, 0.1 * cfg.target_fs, padtype="even")


@lru_cache(maxsize=16)
def _detail_noise_sd(wavelet: str, levels: int, target_fs: float, lowpass_hz: float, lowpass_order: int) -> tuple[float, ...]:
    """SD of each detail level (finest first) of unit white noise passed through the model low-pass.

    Exact, from the transform's equivalent filters: the stationary transform of an impulse gives
    each level's filter g_j, and white noise of unit variance through the zero-phase low-pass H
    and then g_j has variance mean_k |G_j(k)|^2 |H(k)|^4 over the DFT bins.
    """
    import pywt

    n = 4096
    delta = np.zeros(n)
    delta[n // 2] = 1.0
    details = pywt.swt(delta, wavelet, level=levels, norm=True, trim_approx=True)[1:][::-1]   # cD1 .. cDJ
    sos = design_model_lowpass(float(target_fs), float(lowpass_hz), int(lowpass_order))
    if sos is None:
        h4 = np.ones(n)
    else:
        _, h = sps.sosfreqz(sos, worN=n, whole=True, fs=float(target_fs))
        h4 = np.abs(h) ** 4
    return tuple(float(np.sqrt(np.mean(np.abs(np.fft.fft(g)) ** 2 * h4))) for g in details)


def wavelet_denoise(y: np.ndarray, cfg: PreprocessConfig = PreprocessConfig()) -> np.ndarray:
    """Translation-invariant wavelet shrinkage of finite (L, T) mV at ``cfg.target_fs``; identity when ``denoise_k`` is 0.

    White noise of a few hundredths of a millivolt (muscle, amplifier) is in the model's band and
    moves its calls (see *Recording faults* in docs/models.md). Each lead is decomposed with the
    stationary (undecimated) wavelet transform, ``denoise_levels`` detail levels of
    ``denoise_wavelet``; the noise SD is estimated from the finest level by the median absolute
    deviation (Donoho & Johnstone 1994: sigma = MAD / 0.6745), carried to each coarser level by
    the exact gain of white noise through the model low-pass and that level's filter
    (``_detail_noise_sd``), and every detail coefficient is shrunk with the non-negative garrote
    (Gao 1998) at ``denoise_k`` noise SDs (3.7 = sqrt(2 ln 1000), Donoho's universal threshold for
    a 10 s window at 100 Hz). The garrote leaves large coefficients (QRS, T waves) nearly unbiased
    where soft thresholding would shrink every one by the threshold. The approximation (below
    100 / 2^(levels+1) Hz) is kept. Scale-equivariant (the threshold follows the noise SD), so a
    gain change commutes with it; a lead with no noise at all is returned unchanged. Each end is
    mirrored for 1.28 s and the length padded to a multiple of 2^levels for the circular transform.

    Returns:
        float64 (L, T) mV.
    """
    if cfg.denoise_k <= 0:
        return y
    import pywt

    L, T = y.shape
    J = int(cfg.denoise_levels)
    pad = min(T - 1, 128)
    ext = np.pad(y, ((0, 0), (pad, pad)), mode="symmetric") if pad > 0 else y
    extra = (-ext.shape[1]) % (2 ** J)
    ext = np.pad(ext, ((0, 0), (0, extra)), mode="symmetric")
    coeffs = pywt.swt(ext, cfg.denoise_wavelet, level=J, norm=True, trim_approx=True, axis=-1)   # [cA_J, cD_J .. cD_1]
    gains = _detail_noise_sd(cfg.denoise_wavelet, J, float(cfg.target_fs), float(cfg.model_lowpass_hz),
                             int(cfg.lowpass_order))                                          # finest first
    finest = coeffs[-1][:, pad:pad + T]
    sigma = np.median(np.abs(finest), axis=1, keepdims=True) / 0.6745 / gains[0]             # (L, 1): white-noise SD
    sigma = np.maximum(sigma, cfg.denoise_floor_mv)
    out = [coeffs[0]]
    for j, c in enumerate(coeffs[1:]):                 # cD_J first: gains index J-1 .. 0
        thr = cfg.denoise_k * sigma * gains[J - 1 - j]
        keep = np.abs(c) > thr
        out.append(np.where(keep, c - thr ** 2 / np.where(keep, c, 1.0), 0.0))
    rec = pywt.iswt(out, cfg.denoise_wavelet, norm=True, axis=-1)
    return np.ascontiguousarray(rec[:, pad:pad + T])


def filter_signal(signal: np.ndarray, fs: float, cfg: PreprocessConfig = PreprocessConfig()) -> np.ndarray:
    """Zero-phase band-pass and mains notches at the native rate (what the app and PDF draw at full rate).

    Args:
        signal: (L, T) mV at ``fs``; NaN/inf mark missing samples.
        fs: sampling frequency (Hz).
        cfg: corners and order (low-pass skipped when ``high_hz`` >= 0.9 x Nyquist).

    Returns:
        float64 (L, T) mV; missing samples are NaN again (bridged linearly while filtering).
    """
    x = _check_signal(signal, fs)
    bad = bridge_missing(x)
    y = band_pass(x, fs, cfg)
    y[bad] = np.nan
    return y


def resample_factors(fs: float, target_fs: float) -> tuple[int, int]:
    """Rational (up, down) with target_fs / fs = up / down, e.g. 500 -> 100 Hz: (1, 5); 257 -> 100 Hz: (100, 257)."""
    ratio = Fraction(float(target_fs)) / Fraction(float(fs))
    ratio = ratio.limit_denominator(10_000)
    return ratio.numerator, ratio.denominator


def resample(x: np.ndarray, fs: float, target_fs: float) -> np.ndarray:
    """Polyphase resampling of (..., T) from ``fs`` to ``target_fs`` along the last axis (finite input;
    each end extended linearly); a copy when the rates are equal."""
    up, down = resample_factors(fs, target_fs)
    if up == down:
        return x.copy()
    return sps.resample_poly(x, up, down, axis=-1, padtype="line")


def filtered_resampled(signal: np.ndarray, fs: float, cfg: PreprocessConfig = PreprocessConfig()) -> np.ndarray:
    """Band-pass and mains notches at the native rate, resample, model low-pass: what the renderer draws and the windows are cut from.

    Args:
        signal: (L, T) mV at ``fs``; NaN/inf mark missing samples.

    Returns:
        float64 (L, T') mV at ``cfg.target_fs``, T' = ceil(T * target_fs / fs). A sample is NaN
        where the nearest native sample was missing.
    """
    x = _check_signal(signal, fs)
    bad = bridge_missing(x)
    y = wavelet_denoise(model_lowpass(resample(band_pass(x, fs, cfg), fs, cfg.target_fs), cfg), cfg)
    if bad.any():
        nearest = np.minimum(np.rint(np.arange(y.shape[1]) * (fs / cfg.target_fs)).astype(np.int64), x.shape[1] - 1)
        y[bad[:, nearest]] = np.nan
    return y


def window_starts(n_total: int, cfg: PreprocessConfig = PreprocessConfig()) -> np.ndarray:
    """Start indices (W,) int at ``cfg.target_fs`` of the windows cut from a record of ``n_total`` samples.

    Windows every ``stride_s``; one more ending at the record's end when the stride leaves a tail
    of at least ``TAIL_MIN_S`` uncovered (a shorter tail is not worth a near-duplicate window);
    thinned to ``max_windows`` evenly spread starts (first and last kept).
    """
    n = cfg.n_samples
    last = n_total - n
    if last <= 0:
        return np.zeros(1, dtype=np.int64)
    hop = max(1, int(round(cfg.stride_s * cfg.target_fs)))
    starts = np.arange(0, last + 1, hop, dtype=np.int64)
    if last - starts[-1] >= TAIL_MIN_S * cfg.target_fs:
        starts = np.append(starts, last)
    if len(starts) > cfg.max_windows:
        starts = np.unique(np.rint(np.linspace(0, starts[-1], cfg.max_windows)).astype(np.int64))
    return starts


def _cut_windows(y: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    """(L, T') -> windows (W, L, n), NaN past the record's end."""
    L, T = y.shape
    win = np.full((len(starts), L, n), np.nan)
    for w, s in enumerate(starts):
        k = min(n, T - s)
        win[w, :, :k] = y[:, s:s + k]
    return win


def instance_normalise(windows: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Per-lead, per-window standardisation over the finite samples.

    Args:
        windows: (W, L, T) mV; NaN marks missing or padded samples.
        eps: a lead with std <= eps is flat and becomes all zeros.

    Returns:
        float32 (W, L, T): mean 0, std 1 over each lead's finite samples; NaN -> 0.
    """
    finite = np.isfinite(windows)
    count = finite.sum(axis=-1, keepdims=True)
    x = np.where(finite, windows, 0.0)
    mean = x.sum(axis=-1, keepdims=True) / np.maximum(count, 1)
    centred = np.where(finite, x - mean, 0.0)
    std = np.sqrt((centred ** 2).sum(axis=-1, keepdims=True) / np.maximum(count, 1))
    out = np.where(std > eps, centred / np.where(std > eps, std, 1.0), 0.0)
    return out.astype(np.float32)


@dataclass(frozen=True)
class ModelInputs:
    """Everything the model sees for one record, window by window. No array contains NaN.

    Attributes:
        signal: float32 (W, 12, n_samples), instance-normalised per lead and window.
        image: uint8 (W, 224, 224), ``render_ecg`` of ``mv[w]`` at ``cfg.target_fs``.
        starts_s: float64 (W,), each window's start time (s) in the original record.
        mv: float32 (W, 12, n_samples), the filtered, resampled window in mV (missing and padded
            samples are 0 mV).
    """
    signal: np.ndarray
    image: np.ndarray
    starts_s: np.ndarray
    mv: np.ndarray


def model_inputs(signal: np.ndarray, fs: float, cfg: PreprocessConfig = PreprocessConfig(),
                 render_cfg: RenderConfig | None = None) -> ModelInputs:
    """(12, T) mV at fs -> ModelInputs. The one path training, inference and the app use.

    Filters and resamples the whole record once at its native rate, cuts the windows
    (``window_starts``), normalises each window and renders each window's mV trace with
    ``render.render_ecg`` (default ``RenderConfig()``: 224x224 model image).

    Args:
        signal: (12, T) mV at ``fs``, leads in standard order; NaN marks missing samples.
        fs: sampling frequency (Hz).
        cfg: preprocessing settings.
        render_cfg: ``RenderConfig`` for the image (None: the 224x224 model default).

    Returns:
        ModelInputs with W windows; image is (W, render_cfg.height, render_cfg.width).

    Raises:
        PreprocessError: not (12, T), fewer than 2 samples, non-positive fs, non-numeric data.
    """
    x = np.asarray(signal)
    if x.ndim != 2 or x.shape[0] != 12:
        raise PreprocessError(f"model input must be a 2-D array of 12 leads (12, T), got shape {x.shape}")
    rcfg = RenderConfig() if render_cfg is None else render_cfg
    y = filtered_resampled(x, fs, cfg)
    starts = window_starts(y.shape[1], cfg)
    win = _cut_windows(y, starts, cfg.n_samples)
    norm = instance_normalise(win, cfg.eps)
    mv = np.nan_to_num(win, nan=0.0).astype(np.float32)
    image = np.stack([render_ecg(m, cfg.target_fs, rcfg).image for m in mv])
    return ModelInputs(signal=norm, image=image, starts_s=starts / cfg.target_fs, mv=mv)


def windowed_model_inputs(signal: np.ndarray, fs: float, cfg, render_cfg=None):
    """``preprocess.model_inputs`` for a long record, one window at a time.

    The window starts are those ``model_inputs`` would choose for the whole record
    (``preprocess.window_starts`` on the resampled length); each window is cut at the native rate
    and passed through ``model_inputs`` on its own, so memory is that of one 10 s window, not of
    float64 copies of the whole recording. Filtering a 10 s crop instead of the whole record
    changes the high-pass output by at most 0.35 mV near the crop's edges (see preprocess's module
    docstring, "Edges"); long records only, where whole-record filtering is not affordable.

    Args:
        signal: (12, T) mV at ``fs`` (float32; any array-like with slicing, e.g. a memmap).
        fs: sampling frequency (Hz).
        cfg: ``PreprocessConfig``; render_cfg: ``RenderConfig`` or None.

    Returns:
        ``ModelInputs`` with W windows (W <= cfg.max_windows), starts_s in the record's time.
    """
    T = signal.shape[1]
    n_total = int(math.ceil(T * cfg.target_fs / fs))
    starts = window_starts(n_total, cfg)                       # (W,) at target_fs
    native_len = int(math.ceil(cfg.window_s * fs))
    parts = []
    for s in starts:
        a = min(int(round(s * fs / cfg.target_fs)), max(T - native_len, 0))
        crop = np.asarray(signal[:, a:a + native_len], dtype=np.float32)
        one = model_inputs(crop, fs, cfg, render_cfg)
        parts.append((one, a / fs))
    return ModelInputs(
        signal=np.concatenate([p.signal[:1] for p, _ in parts]),
        image=np.concatenate([p.image[:1] for p, _ in parts]),
        starts_s=np.asarray([start for _, start in parts], dtype=np.float64),
        mv=np.concatenate([p.mv[:1] for p, _ in parts]),
    )


def window_coverage(starts_s, window_s: float, duration_s: float) -> str:
    """What of a record its scored windows cover, in words, or "" when they cover all of it.

    A record longer than ``max_windows`` hops is scored on that many windows spread evenly over
    it, so the probabilities of a 1 h record rest on 160 s of it; a reader must be told so.

    Args:
        starts_s: (W,) start of each scored window in the record (s).
        window_s: the model's window length (s).
        duration_s: the record's length (s).

    Returns:
        e.g. "16 windows of 10 s spread over the 1.00 h record (160 s of its 3600 s)", or "".
    """
    starts = np.sort(np.asarray(starts_s, dtype=np.float64).ravel())
    if not len(starts) or not duration_s or duration_s <= 0:
        return ""
    covered, reach = 0.0, 0.0
    for s in starts:                       # length of the union of [s, s + window_s] within the record
        a, b = max(s, reach), min(s + window_s, duration_s)
        if b > a:
            covered += b - a
        reach = max(reach, min(s + window_s, duration_s))
    if covered >= duration_s - 1.0:        # within a second of the whole record (padding, rounding)
        return ""
    length = (f"{duration_s / 3600:.2f} h" if duration_s >= 3600 else f"{duration_s / 60:.1f} min"
              if duration_s >= 120 else f"{duration_s:.0f} s")
    return (f"{len(starts)} windows of {window_s:g} s spread over the {length} record "
            f"({covered:.0f} s of its {duration_s:.0f} s)")


def prediction_coverage(pred, record, predictor=None) -> str:
    """``window_coverage`` of ``pred``'s windows over ``record`` ("" when unknown or whole)."""
    starts = getattr(pred, "window_starts_s", None)
    if starts is None or record is None:
        return ""
    cfg = getattr(predictor, "preprocess_cfg", None) or PreprocessConfig()   # the PDF has no predictor
    return window_coverage(starts, float(cfg.window_s), float(record.duration_s))
