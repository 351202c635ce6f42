"""Mains interference (50/60 Hz and harmonics) subtracted from finite (L, T) mV by local least-squares sinusoids
(``remove_mains``): which lines a lead carries (``mains_lines``), the pacing spikes bridged in the copy the
sinusoids are fitted to (``_spike_mask``, ``_without_spikes``), the windowed fit itself (``_mains_fit``) and the
lines above it at the record's two ends (``_subtract_at_edges``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np


# The highest harmonic fitted (Hz). Every caller low-passes what the subtraction leaves: the model's band-pass
# (75 Hz, order 2, forwards and backwards) passes 5e-4 of 500 Hz, the measurement's conditioning (100 Hz) 1.6e-3, and
# the resampler to 100 Hz less. Up to 1 kHz records every harmonic below 0.95 x Nyquist stays fitted, as before.
MAINS_MAX_HZ = 500.0


def mains_frequencies(fs: float, mains_hz: tuple[float, ...]) -> tuple[float, ...]:
    """Each mains fundamental and its harmonics below 0.95 x Nyquist of ``fs`` and up to ``MAINS_MAX_HZ`` (Hz),
    sorted.

    50 Hz at fs = 100 Hz sits on Nyquist and cannot be told from the signal at that rate; the
    model low-pass after resampling removes it there (see ``model_lowpass``). Harmonics above
    ``MAINS_MAX_HZ`` are left to the low-pass that follows every subtraction: fitting each of them
    had made 10 s at 16 kHz cost seconds (252 frequencies, 17 now).
    """
    nyq = fs / 2.0
    return tuple(sorted({round(k * f, 6) for f in mains_hz for k in range(1, int(min(nyq, MAINS_MAX_HZ) // f) + 1)
                         if k * f < 0.95 * nyq and k * f <= MAINS_MAX_HZ}))


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

    Not the quality check's stimulus detector (``quality.pacing.pacing_spikes``), which says where pacing
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
                    lines: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """bool (L, T): the samples of ``_spike_mask`` that the copy of ``x`` fitted to bridges (``_bridged``), and the
    fit of that copy at the ``lines`` each lead carries, where it was made on the way (else None).

    With mains ``freqs`` and a fit window of n samples, a lead that carries a mains line (``mains_lines``) whose fit
    there, so bridged, peaks above ``SPIKE_MAINS_MV`` (sqrt(2) x RMS) is searched again with its mains subtracted:
    0.4-0.9 mV of 50 Hz at 500 Hz put peaks on the QRS complexes that the search took for spikes, the fit of their
    windows, bridged there, left up to 0.28 mV of mains near each R peak, and the mains' own spread hid pacing
    spikes from the search. The mains is fitted twice: without a bridge, where a 5 mV stimulus rings (what stands
    out of that residual, uncapped, is bridged), then on that bridged copy. Below the bar the mask is the one of
    ``x`` itself, bit for bit: of 201 real records (LUDB, CinC, PTB Diagnostic samples) one, with 0.38 mV of mains,
    reaches it, and its mask comes out the same. ``lines``: ``mains_lines`` of ``x`` where the caller has them.

    The fit that measures each lead against the bar is made of the whole bridged record at once; where no lead passes
    the bar, the copy fitted is the one the caller fits, and that fit, (L, T) mV, is returned for it (``remove_mains``
    subtracts it where the lines it subtracts are those).
    """
    mask = _spike_mask(x, fs)
    if not (freqs and 4 <= n <= x.shape[1]):
        return mask, None
    lines = mains_lines(x, fs, freqs) if lines is None else lines      # (L, F)
    carried = np.nonzero(lines.any(axis=1))[0]
    if not len(carried):
        return mask, None
    fit = _mains_fit(_bridged(x, mask), fs, freqs, n, lines)           # (L, T)
    loud = [i for i in carried if np.sqrt(2.0 * np.mean(fit[i] ** 2)) > SPIKE_MAINS_MV]
    if not loud:
        return mask, fit
    del fit                                                            # the memory stays a few record copies
    for i in loud:                                                     # lead by lead: a lead's copies, not the record's
        xi, keep = x[i:i + 1], lines[i:i + 1]                          # (1, T), (1, F)
        rough = _spike_mask(xi - _mains_fit(xi, fs, freqs, n, keep), fs, cap=False)
        mask[i] = _spike_mask(xi - _mains_fit(_bridged(xi, rough), fs, freqs, n, keep), fs)[0]
    return mask, None


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
    # per frequency: search bins, neighbourhood bins below, above
    bands = []
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
MAINS_FFT_COLUMNS = 200      # FFTs instead of products from this many columns (50/60 Hz up to MAINS_MAX_HZ: 70)


def remove_mains(x: np.ndarray, fs: float, mains_hz: tuple[float, ...], window_s: float = 0.5,
                 only_present: bool = True, search: MainsSearch | None = None) -> np.ndarray:
    """Subtract mains interference from finite (L, T) mV: local least-squares sinusoids, overlap-added.

    In windows of ``window_s`` (hop window_s / 2, Hann-weighted and renormalised so the ends are
    covered too) each lead is fitted, by Hann-weighted least squares, with a constant, a ramp and a
    cosine/sine pair at every mains frequency (``mains_frequencies``: up to 500 Hz); only the fitted sinusoids are
    subtracted. Unlike a notch filter there is no start-up transient at the record's ends,
    amplitude and phase may drift from window to window, and each window removes only a band of
    about 2 / window_s Hz around each frequency. The t cos / t sin terms follow a mains frequency a
    few tenths of a hertz off nominal (50.3 Hz leaves < 3 %). Samples near a narrow spike (pacing,
    ``_spike_mask``; looked for with loud mains subtracted, ``_without_spikes``) are bridged by interpolation in the
    copy the sinusoids are fitted to, so the spike is not turned into ringing (it is kept in the output). The fit
    that search makes of the bridged record is the one subtracted where no lead is searched again and the lines
    fitted there are those subtracted: the record is fitted once.

    A 0.5 s window cannot tell mains from the 50-200 Hz content of a QRS complex or from broadband
    noise: fitting every frequency took up to 0.1 mV (RMS 4-10 uV) from real records whose mains
    lines are 1-5 uV (LUDB, PTB Diagnostic, Challenge samples). With ``only_present`` (the default)
    a lead is fitted only at the frequencies it carries as a line (``mains_lines``); a mains-free
    lead comes out unchanged. False fits every frequency in every lead, as the model's
    preprocessing (``band_pass``) still does: the shipped models' probabilities depend on it.

    The harmonics stop at ``MAINS_MAX_HZ`` whatever the rate (what lies above is the following
    low-pass's), but at the record's ends, which that low-pass returns as they are (odd padding): there the lines
    above a lead carries (``edge_frequencies``, ``mains_lines``) are subtracted too (``_subtract_at_edges``).
    With many frequencies all the same (``MAINS_FFT_COLUMNS``; more fundamentals than 50/60 Hz), when
    every frequency is a DFT bin of the window (``_dft_bins``), the fit's inner products and its sinusoids come from
    FFTs of each window, O(n log n) instead of O(n P) a window; the least-squares fit is the same (within 1e-12 mV of
    the pseudo-inverse's; the tests allow 1e-6 mV). Windows are fitted a block at a time
    (``MAINS_CHUNK``), so the memory stays a few record copies at any length.

    ``search``: ``mains_search`` of this very ``x`` (and ``fs``, ``mains_hz``, ``window_s``) made already, which
    it reads instead of searching again (``record_mains_search``: the measurement's and the model's subtraction of
    one record, whose ``only_present`` differ, search it once); None: searched here.

    Returns:
        float64 (L, T) mV; ``x`` itself when no mains frequency lies below Nyquist, T < one window,
        or (``only_present``) no lead carries a mains line.
    """
    L, T = x.shape
    found = mains_search(x, fs, mains_hz, window_s) if search is None else search
    if found is None:
        return x
    if found.mask.shape != (L, T):
        raise ValueError(f"a mains search of {found.mask.shape} samples handed for a signal of {(L, T)}")
    fs, freqs, n = float(fs), found.freqs, found.n
    xs = _bridged(x, found.mask)
    final = found.lines if only_present else np.ones((L, len(freqs)), dtype=bool)
    if not only_present:
        keep = final
    else:      # the lines of the copy fitted to: those of x itself where no spike was bridged
        keep = found.lines if xs is x else mains_lines(xs, fs, freqs)
    if not keep.any() and not found.edge.any():
        return x
    fit = found.fit if np.array_equal(final, found.lines) else None   # the search's, of the lines it found
    if fit is None or not np.array_equal(keep, final):
        fit = _mains_fit(xs, fs, freqs, n, keep) if keep.any() else np.zeros((L, T))
    elif not fit.flags.writeable:                                      # a kept search's: shared, written below
        fit = fit.copy()
    if found.edge.any():
        _subtract_at_edges(fit, xs, fs, found.above, n, found.edge)
    return np.subtract(x, fit, out=fit)                                # in place: the memory stays a few record copies


@dataclass(frozen=True)
class MainsSearch:
    """What ``remove_mains`` finds of finite (L, T) mV before it subtracts (``mains_search``): the lines each lead
    carries and the pacing spikes its fit must not follow. It does not depend on ``only_present``."""
    freqs: tuple[float, ...]    # ``mains_frequencies``: the lines fitted (Hz), F of them
    above: tuple[float, ...]    # ``edge_frequencies``: those subtracted at the record's ends only (Hz), E of them
    n: int                      # the fit's window (samples)
    lines: np.ndarray           # bool (L, F): the lines of ``freqs`` each lead carries (``mains_lines``)
    edge: np.ndarray            # bool (L, E): the same of ``above``
    mask: np.ndarray            # bool (L, T): the samples bridged in the copy fitted to (``_without_spikes``)
    fit: np.ndarray | None      # (L, T) mV: that copy's fit at ``lines``, made on the way (``_without_spikes``)


def mains_search(x: np.ndarray, fs: float, mains_hz: tuple[float, ...],
                 window_s: float = 0.5) -> MainsSearch | None:
    """The mains lines (``mains_lines``: one spectrum a lead for the fitted lines and those above) and the pacing
    spikes (``_without_spikes``) of finite (L, T) mV ``x`` at ``fs`` Hz that ``remove_mains`` subtracts by; None
    where it subtracts nothing whatever the record (no mains frequency below Nyquist, T < one window)."""
    freqs = mains_frequencies(float(fs), tuple(mains_hz))
    n = int(round(window_s * fs))
    if not freqs or n < 4 or x.shape[1] < n:
        return None
    above = edge_frequencies(float(fs), tuple(mains_hz))
    found = mains_lines(x, float(fs), freqs + above)                   # (L, F + E)
    lines = found[:, :len(freqs)]
    mask, fit = _without_spikes(x, float(fs), freqs, n, lines)
    return MainsSearch(freqs, above, n, lines, found[:, len(freqs):], mask, fit)


def record_mains_search(record, mains_hz: tuple[float, ...], window_s: float = 0.5, pulse=None,
                        signal: np.ndarray | None = None) -> MainsSearch | None:
    """``mains_search`` of ``record``'s signal as float64 with its missing samples bridged (``bridge_missing``: how
    the measurement's ``mains_subtracted`` and the model's ``filtered_resampled`` both hand it to ``remove_mains``),
    found once per record and kept on it (``records.found_once``; read-only, shared): a record of a minute or less
    was searched by both, 14 ms of 17 of the model's subtraction at 10 s and 500 Hz.

    ``pulse`` and ``signal``: the record's calibration pulse (start s, end s, (12,) step mV) and its (12, T) mV
    signal with that pulse taken off (``quality.without_step``), searched in the record's place and kept apart,
    under the pulse: the model's inputs of a record of a minute or less and its quality check read that one copy.
    """
    from mirage_model.preprocess.filters import bridge_missing      # here: filters imports this module
    from mirage_model.records.record import found_once             # here: records' readers are not preprocessing's

    if (pulse is None) != (signal is None):
        raise ValueError("a calibration pulse and the signal it was taken off go together")
    fs, mains = float(record.fs), tuple(float(f) for f in mains_hz)
    taken_off = () if pulse is None else ((float(pulse[0]), float(pulse[1]),
                                           tuple(float(v) for v in np.asarray(pulse[2]))),)

    def make():
        y = np.array(record.signal if signal is None else signal, dtype=np.float64)
        bridge_missing(y)
        found = mains_search(y, fs, mains, window_s)
        for a in () if found is None else (found.lines, found.edge, found.mask, found.fit):
            if a is not None:
                a.flags.writeable = False
        return found

    return found_once(record, ("mains_search", fs, mains, float(window_s)) + taken_off, make)


EDGE_S = 0.1                 # the span at each end (s) from which the lines above the fitted ones are subtracted
EDGE_MIN_MV = 0.001          # and of these only the lines over this amplitude there (mV)


def edge_frequencies(fs: float, mains_hz: tuple[float, ...]) -> tuple[float, ...]:
    """The harmonics (Hz, sorted) above ``MAINS_MAX_HZ`` and below 0.95 x Nyquist of ``fs``, which
    ``mains_frequencies`` does not fit; () up to 1 kHz and where it fits none.

    A zero-phase filter with odd padding (``sosfiltfilt``, every low-pass after the subtraction) returns the
    record's first and last samples as they are: whatever mains those samples carry reaches its output there.
    """
    if not mains_frequencies(fs, mains_hz):
        return ()
    nyq = fs / 2.0
    return tuple(sorted({round(k * f, 6) for f in mains_hz for k in range(1, int(nyq // f) + 1)
                         if MAINS_MAX_HZ < k * f < 0.95 * nyq}))


def _subtract_at_edges(acc: np.ndarray, xs: np.ndarray, fs: float, freqs: tuple[float, ...], n: int,
                       present: np.ndarray) -> None:
    """Add to the fit ``acc`` (L, T), in place, the lines ``present`` (bool (L, F)) of ``freqs`` that (L, T)
    ``xs`` less that fit carries at its two ends, tapered from 1 at the record's end sample to 0 at ``EDGE_S``
    from it (the rest of the record is the following low-pass's).

    Each line is read from the Hann-weighted DFT of the first and of the last n samples, at its nearest bin
    (0.5 s: every multiple of 2 Hz is a bin, and 50 and 60 Hz harmonics are 5 bins apart or more, which the Hann
    window keeps apart; the ECG's leakage falls off as the cube of the distance in bins).
    """
    L, T = xs.shape
    m = min(n, int(round(EDGE_S * fs)))
    taper = 0.5 * (1.0 + np.cos(np.pi * np.arange(m) / m))           # (m,): 1 at the end sample
    bins = np.rint(np.asarray(freqs) * n / fs).astype(np.int64)       # (F,)
    leads = np.nonzero(present.any(axis=1))[0]
    w = np.hanning(n + 2)[1:-1]
    add = []
    for ends, span, weight in ((slice(0, n), slice(0, m), taper), (slice(T - n, T), slice(n - m, n), taper[::-1])):
        at = np.ix_(leads, np.arange(T)[ends][span])                   # the samples the taper touches
        spec = np.fft.rfft((xs[leads, ends] - acc[leads, ends]) * w, axis=-1)   # (L', n // 2 + 1): what the fit left
        keep = np.zeros(spec.shape, dtype=bool)
        for j, i in enumerate(leads):
            keep[j, bins[present[i]]] = True
        keep &= 2.0 * np.abs(spec) / w.sum() > EDGE_MIN_MV             # a line's amplitude: 2 |X_w| / sum(w)
        lines = np.fft.irfft(np.where(keep, spec, 0.0) * (n / w.sum()), n, axis=-1)  # (L', n): the lines alone
        add.append((at, lines[:, span] * weight))
    for at, lines in add:                                              # both ends read before either is changed
        acc[at] += lines


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
    # (L, 1, P - 2): cos, sin, t cos, t sin per frequency
    kept = np.repeat(keep, 4, axis=1)[:, None, :].astype(np.float64)
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
