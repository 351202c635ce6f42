"""The model's inputs (``model_inputs``: the one path training, inference and the app use): the filtered,
resampled record (``filtered_resampled``) cut into fixed 10 s windows (``window_starts``), each normalised per
lead (``instance_normalise``) and rendered (``render.render_ecg``); a long record window by window
(``windowed_model_inputs``), and what of a record its windows cover, in words (``window_coverage``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mirage_model.preprocess.config import PreprocessConfig, PreprocessError
from mirage_model.preprocess.filters import filtered_resampled
from mirage_model.preprocess.mains import MainsSearch
from mirage_model.render import RenderConfig, render_ecg


# A record's tail past the last stride is scored by an extra end-aligned window only if at least this long (s).
TAIL_MIN_S = 1.0


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
                 render_cfg: RenderConfig | None = None, mains: MainsSearch | None = None) -> ModelInputs:
    """(12, T) mV at fs -> ModelInputs. The one path training, inference and the app use.

    Filters and resamples the whole record once at its native rate, cuts the windows
    (``window_starts``), normalises each window and renders each window's mV trace with
    ``render.render_ecg`` (default ``RenderConfig()``: 224x224 model image).

    Args:
        signal: (12, T) mV at ``fs``, leads in standard order; NaN marks missing samples.
        fs: sampling frequency (Hz).
        cfg: preprocessing settings.
        render_cfg: ``RenderConfig`` for the image (None: the 224x224 model default).
        mains: ``signal``'s mains search made already (``filtered_resampled``), or None.

    Returns:
        ModelInputs with W windows; image is (W, render_cfg.height, render_cfg.width).

    Raises:
        PreprocessError: not (12, T), fewer than 2 samples, non-positive fs, non-numeric data.
    """
    x = np.asarray(signal)
    if x.ndim != 2 or x.shape[0] != 12:
        raise PreprocessError(f"model input must be a 2-D array of 12 leads (12, T), got shape {x.shape}")
    rcfg = RenderConfig() if render_cfg is None else render_cfg
    y = filtered_resampled(x, fs, cfg, mains)
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
