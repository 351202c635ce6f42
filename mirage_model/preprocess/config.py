"""The preprocessing's settings (``PreprocessConfig``, as a checkpoint stores them; ``LEGACY``: what a checkpoint
written before a setting existed was trained with) and its error (``PreprocessError``).
"""

from __future__ import annotations

from dataclasses import dataclass

from mirage_model.errors import MirageInputError


class PreprocessError(MirageInputError, ValueError):
    """A signal that cannot be preprocessed; ``str(err)`` says what is wrong with it."""


@dataclass(frozen=True)
class PreprocessConfig:
    low_hz: float = 0.5           # band-pass lower corner (Hz); the paper's 0.05 in checkpoints before v2 (see LEGACY)
    high_hz: float = 75.0         # band-pass upper corner (Hz); skipped when >= 0.9 x native Nyquist
    order: int = 2                # Butterworth order (applied forwards and backwards: zero-phase)
    mains_hz: tuple[float, ...] = (50.0, 60.0)   # mains fundamentals notched with their harmonics (empty: off)
    mains_window_s: float = 0.5   # window of the local least-squares mains fit (s); removes ~1/window Hz around each
    model_lowpass_hz: float = 40.0  # zero-phase low-pass at target_fs after resampling (0: off); nothing near
    #                                 Nyquist survives
    lowpass_order: int = 4        # Butterworth order of that low-pass (forwards and backwards)
    denoise_k: float = 0.0        # wavelet shrinkage at target_fs, threshold in noise SDs (0: off; see
    #                               ``wavelet_denoise``)
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
