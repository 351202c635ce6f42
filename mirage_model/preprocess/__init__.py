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

One job per module: ``config`` (``PreprocessConfig``, ``LEGACY``, ``PreprocessError``), ``mains`` (the mains
subtracted, ``remove_mains``, and what it searches first, ``mains_search``), ``filters`` (band-pass, resampling,
model low-pass, wavelet shrinkage: ``filtered_resampled``), ``windows`` (the windows and ``model_inputs``). The
public names are imported from here; a test that replaces one (monkeypatch) replaces it in the module that looks it
up.
"""

from mirage_model.preprocess.config import LEGACY, PreprocessConfig, PreprocessError
from mirage_model.preprocess.filters import (LOWPASS_MAX_NYQUIST_FRACTION, band_pass, bridge_missing, design_filter,
                                             design_model_lowpass, filter_signal, filtered_resampled, model_lowpass,
                                             resample, resample_factors, wavelet_denoise, zero_phase)
from mirage_model.preprocess.mains import (MAINS_CHUNK, MAINS_DRIFT, MAINS_FFT_COLUMNS, MAINS_LINE_RATIO, MAINS_MAX_HZ,
                                           MAINS_NEIGHBOURS_HZ, MAINS_RECORD_RATIO, SPIKE_DILATE_S, SPIKE_MAINS_MV,
                                           SPIKE_MAX_FRACTION, SPIKE_MEDIAN_S, SPIKE_MIN_MV, SPIKE_ROBUST_SD,
                                           MainsSearch, mains_frequencies, mains_lines, mains_search,
                                           record_mains_search, remove_mains)
from mirage_model.preprocess.windows import (TAIL_MIN_S, ModelInputs, instance_normalise, model_inputs,
                                             prediction_coverage, window_coverage, window_starts, windowed_model_inputs)

__all__ = [
    "LEGACY", "PreprocessConfig", "PreprocessError",
    "LOWPASS_MAX_NYQUIST_FRACTION", "band_pass", "bridge_missing", "design_filter", "design_model_lowpass",
    "filter_signal", "filtered_resampled", "model_lowpass", "resample", "resample_factors", "wavelet_denoise",
    "zero_phase",
    "MAINS_CHUNK", "MAINS_DRIFT", "MAINS_FFT_COLUMNS", "MAINS_LINE_RATIO", "MAINS_MAX_HZ", "MAINS_NEIGHBOURS_HZ",
    "MAINS_RECORD_RATIO", "SPIKE_DILATE_S", "SPIKE_MAINS_MV", "SPIKE_MAX_FRACTION", "SPIKE_MEDIAN_S", "SPIKE_MIN_MV",
    "SPIKE_ROBUST_SD", "MainsSearch", "mains_frequencies", "mains_lines", "mains_search", "record_mains_search",
    "remove_mains",
    "TAIL_MIN_S", "ModelInputs", "instance_normalise", "model_inputs", "prediction_coverage", "window_coverage",
    "window_starts", "windowed_model_inputs",
]
