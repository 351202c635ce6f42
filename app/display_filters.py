"""Display-only filters for the trace view: baseline-wander high-pass and mains notch.

These change what the reviewer sees, never what the model sees: model input always goes
through ``mirage_model.preprocess.model_inputs`` inside the Predictor, from the unfiltered record.
Zero-phase (forward-backward) so that waves do not shift in time under the calipers.
"""

from __future__ import annotations

import numpy as np

BASELINE_HZ = 0.5     # high-pass corner for baseline wander (AHA recommends <= 0.67 Hz for ST fidelity)
NOTCH_Q = 30.0        # notch quality factor: -3 dB band of about f0/30 (1.7 Hz at 50 Hz)


def display_filter(signal: np.ndarray, fs: float, highpass: bool = False, notch_hz: float | None = None) -> np.ndarray:
    """Filter (L, T) mV at ``fs`` for display; returns a new float32 (L, T) array.

    Args:
        signal: (L, T) mV. NaNs are filtered as 0 and put back.
        fs: sampling frequency in Hz.
        highpass: 2nd-order Butterworth high-pass at BASELINE_HZ, zero-phase.
        notch_hz: 50 or 60 (Hz) for an IIR notch, zero-phase; ignored at or above Nyquist.
    """
    if not highpass and not notch_hz:
        # one float32 copy: through float64 it cost 1.1 s and 850 MB more on the GUI thread for a
        # 4.9 h 12-lead 500 Hz record
        return np.array(signal, dtype=np.float32, copy=True)
    x = np.asarray(signal, dtype=np.float64)
    from scipy import signal as sps   # imported on first use: scipy.signal is slow to import at start-up

    nan = np.isnan(x)
    x = np.where(nan, 0.0, x)
    n = x.shape[-1]
    if highpass:
        sos = sps.butter(2, BASELINE_HZ, btype="highpass", fs=fs, output="sos")
        if n > 3 * (2 * sos.shape[0] + 1):
            x = sps.sosfiltfilt(sos, x, axis=-1)
    if notch_hz and notch_hz < fs / 2:
        b, a = sps.iirnotch(notch_hz, NOTCH_Q, fs=fs)
        if n > 3 * max(len(a), len(b)):
            x = sps.filtfilt(b, a, x, axis=-1)
    x[nan] = np.nan
    return x.astype(np.float32)
