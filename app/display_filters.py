"""Display-only filters for the trace view: baseline-wander high-pass and mains notch.

These change what the reviewer sees, never what the model sees: model input always goes
through ``mirage_model.preprocess.model_inputs`` inside the Predictor, from the unfiltered record.
Zero-phase (forward-backward) so that waves do not shift in time under the calipers.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

BASELINE_HZ = 0.5     # high-pass corner for baseline wander (AHA recommends <= 0.67 Hz for ST fidelity)
NOTCH_Q = 30.0        # notch quality factor: -3 dB band of about f0/30 (1.7 Hz at 50 Hz)


def display_filter(signal: np.ndarray, fs: float, highpass: bool = False, notch_hz: float | None = None,
                   check: Callable[[], None] | None = None) -> np.ndarray:
    """Filter (L, T) mV at ``fs`` for display; returns a new float32 (L, T) array.

    Args:
        signal: (L, T) mV. NaNs are filtered as 0 and put back.
        fs: sampling frequency in Hz.
        highpass: 2nd-order Butterworth high-pass at BASELINE_HZ, zero-phase.
        notch_hz: 50 or 60 (Hz) for an IIR notch, zero-phase; ignored at or above Nyquist.
        check: called before each lead (a worker's cancel check, which raises): the leads are
            filtered one at a time, so a cancelled job stops within one lead's time (about 0.15 s
            for 1 h at 500 Hz) and the float64 working copy is one lead, not the record.
    """
    if not highpass and not notch_hz:
        # one float32 copy: through float64 it cost 1.1 s and 850 MB more on the GUI thread for a
        # 4.9 h 12-lead 500 Hz record
        return np.array(signal, dtype=np.float32, copy=True)
    from scipy import signal as sps   # imported on first use: scipy.signal is slow to import at start-up

    signal = np.asarray(signal)
    n = signal.shape[-1]
    sos = sps.butter(2, BASELINE_HZ, btype="highpass", fs=fs, output="sos") if highpass else None
    if sos is not None and n <= 3 * (2 * sos.shape[0] + 1):
        sos = None
    ba = sps.iirnotch(notch_hz, NOTCH_Q, fs=fs) if notch_hz and notch_hz < fs / 2 else None
    if ba is not None and n <= 3 * max(len(ba[0]), len(ba[1])):
        ba = None
    out = np.empty(signal.shape, dtype=np.float32)
    for i in range(signal.shape[0]):
        if check is not None:
            check()
        x = np.asarray(signal[i], dtype=np.float64)
        nan = np.isnan(x)
        x = np.where(nan, 0.0, x)
        if sos is not None:
            x = sps.sosfiltfilt(sos, x)
        if ba is not None:
            x = sps.filtfilt(*ba, x)
        x[nan] = np.nan
        out[i] = x
    return out
