"""The filters and the resampler: a record's (L, T) mV at its own rate to the filtered trace at the model's rate
(``filtered_resampled``): missing samples bridged, mains subtracted (``preprocess.mains``), the zero-phase
band-pass at the native rate, polyphase resampling, the model low-pass and the wavelet shrinkage. The decisions
(the low-pass corner near Nyquist, the edges, missing samples) are the package docstring's
(``mirage_model.preprocess``).
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import numpy as np
from scipy import signal as sps

from mirage_model.preprocess.config import PreprocessConfig, PreprocessError
from mirage_model.preprocess.mains import MainsSearch, remove_mains
from mirage_model.words import counted


# Above this fraction of Nyquist the low-pass corner is not applied (see the module docstring).
LOWPASS_MAX_NYQUIST_FRACTION = 0.9


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


@lru_cache(maxsize=16)
def design_model_lowpass(target_fs: float, cutoff_hz: float, order: int) -> np.ndarray | None:
    """Butterworth low-pass (SOS) applied at the model's rate; None when off or at/above Nyquist."""
    if cutoff_hz <= 0 or cutoff_hz >= 0.95 * target_fs / 2.0:
        return None
    return sps.butter(order, cutoff_hz, btype="lowpass", fs=target_fs, output="sos")


def _filtfilt(sos: np.ndarray, y: np.ndarray, pad_samples: float, padtype: str = "odd") -> np.ndarray:
    return sps.sosfiltfilt(sos, y, axis=-1, padtype=padtype, padlen=int(min(y.shape[-1] - 1, round(pad_samples))))


def band_pass(x: np.ndarray, fs: float, cfg: PreprocessConfig = PreprocessConfig(),
              mains: MainsSearch | None = None) -> np.ndarray:
    """Zero-phase band-pass and mains notches of finite (L, T) mV at the native rate (no NaN handling: see
    ``filter_signal``).

    The slow high-pass runs through ``zero_phase`` (mirror padding, mean-state start). The
    low-pass, whose transients last milliseconds, uses ``sosfiltfilt`` with odd padding, which
    keeps the slope continuous at the edge (a mirror would put a kink there). Mains interference
    is subtracted first, by ``remove_mains`` (no edge transient, unlike a notch filter); ``mains``: its search of
    this ``x`` made already (``record_mains_search``), or None.
    """
    hp, lp = design_filter(float(fs), cfg.low_hz, cfg.high_hz, cfg.order)
    if cfg.mains_hz:   # first: the filters' edge padding would turn mains at the ends into broadband transients
        # every frequency, present or not, as the shipped models were used with (README, Preprocessing 1)
        x = remove_mains(x, float(fs), tuple(cfg.mains_hz), cfg.mains_window_s, only_present=False, search=mains)
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
def _detail_noise_sd(wavelet: str, levels: int, target_fs: float, lowpass_hz: float,
                     lowpass_order: int) -> tuple[float, ...]:
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
    """Translation-invariant wavelet shrinkage of finite (L, T) mV at ``cfg.target_fs``; identity when ``denoise_k``
    is 0.

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


def filtered_resampled(signal: np.ndarray, fs: float, cfg: PreprocessConfig = PreprocessConfig(),
                       mains: MainsSearch | None = None) -> np.ndarray:
    """Band-pass and mains notches at the native rate, resample, model low-pass: what the renderer draws and the
    windows are cut from.

    Args:
        signal: (L, T) mV at ``fs``; NaN/inf mark missing samples.
        mains: the mains search (``preprocess.record_mains_search``) of ``signal``, missing samples bridged, with
            ``cfg.mains_hz`` and ``cfg.mains_window_s``, made already; None: searched here.

    Returns:
        float64 (L, T') mV at ``cfg.target_fs``, T' = ceil(T * target_fs / fs). A sample is NaN
        where the nearest native sample was missing.
    """
    x = _check_signal(signal, fs)
    bad = bridge_missing(x)
    y = wavelet_denoise(model_lowpass(resample(band_pass(x, fs, cfg, mains), fs, cfg.target_fs), cfg), cfg)
    if bad.any():
        nearest = np.minimum(np.rint(np.arange(y.shape[1]) * (fs / cfg.target_fs)).astype(np.int64), x.shape[1] - 1)
        y[bad[:, nearest]] = np.nan
    return y
