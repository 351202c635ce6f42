"""The paper's preprocessing, one path for training, the app and reports.

CONTRACT (owned by the signal helper; replace the stubs, keep the names and shapes).
Butterworth band-pass 0.05-75 Hz at the native rate (zero-phase), resample to 100 Hz,
per-lead instance normalisation, fixed 10 s windows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PreprocessConfig:
    low_hz: float = 0.05          # band-pass lower corner (Hz)
    high_hz: float = 75.0         # band-pass upper corner (Hz), clamped below Nyquist of the native rate
    order: int = 2                # Butterworth order (applied forwards and backwards: zero-phase)
    target_fs: float = 100.0      # model sampling rate (Hz)
    window_s: float = 10.0        # model input length (s): T = target_fs * window_s = 1000
    stride_s: float = 5.0         # hop between windows for records longer than window_s
    max_windows: int = 16         # cap on windows scored for very long records
    eps: float = 1e-6             # instance-norm stability

    @property
    def n_samples(self) -> int:
        return int(round(self.target_fs * self.window_s))


def filter_signal(signal: np.ndarray, fs: float, cfg: PreprocessConfig = PreprocessConfig()) -> np.ndarray:
    """Band-pass (L, T) mV at native fs -> (L, T) mV. NaNs are treated as 0 for filtering and restored."""
    raise NotImplementedError


def preprocess_signal(signal: np.ndarray, fs: float, cfg: PreprocessConfig = PreprocessConfig()) -> np.ndarray:
    """Full path for one record: (L, T) mV at fs -> windows (W, L, n_samples) float32, instance-normalised.

    Records shorter than window_s are zero-padded at the end (after normalisation); longer ones
    are cut into windows of window_s with stride_s (at most max_windows, evenly spread).
    """
    raise NotImplementedError


def filtered_resampled(signal: np.ndarray, fs: float, cfg: PreprocessConfig = PreprocessConfig()) -> np.ndarray:
    """Band-pass + resample only: (L, T) mV at fs -> (L, T') mV at cfg.target_fs (what the renderer draws)."""
    raise NotImplementedError


def preprocess_record(record, cfg: PreprocessConfig = PreprocessConfig()) -> np.ndarray:
    """``preprocess_signal(record.signal, record.fs, cfg)``: windows (W, 12, n_samples) float32."""
    return preprocess_signal(record.signal, record.fs, cfg)


@dataclass(frozen=True)
class ModelInputs:
    """Everything the model sees for one record, window by window.

    signal: float32 (W, 12, n_samples) instance-normalised; image: uint8 (W, 224, 224) rendered
    from the same window in mV (render_ecg at cfg.target_fs); starts_s: float (W,) window start times (s)
    in the original record; mv: float32 (W, 12, n_samples) the filtered, resampled window in mV.
    """
    signal: np.ndarray
    image: np.ndarray
    starts_s: np.ndarray
    mv: np.ndarray


def model_inputs(signal: np.ndarray, fs: float, cfg: PreprocessConfig = PreprocessConfig(),
                 render_cfg=None) -> ModelInputs:
    """(12, T) mV at fs -> ModelInputs. The one path training, inference and the app use."""
    raise NotImplementedError
