"""preprocess: filter response, resampling, windows, normalisation, missing data, model_inputs.

Truth comes from formulas (the Butterworth magnitude with the bilinear pre-warp, sines sampled at
known times) and from the same real record at two rates, not from this code's earlier output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import signal as sps

from mirage_model.preprocess import (
    ModelInputs, PreprocessConfig, PreprocessError, design_filter, filter_signal, filtered_resampled,
    model_inputs, resample_factors, window_starts,
)
from mirage_model.render import render_ecg

CFG = PreprocessConfig()
# The paper's band-pass alone (no mains subtraction, no model low-pass): what the filter-math tests check.
PAPER = PreprocessConfig(low_hz=0.05, mains_hz=(), model_lowpass_hz=0.0)


def sine(fs: float, dur: float, f: float, amp: float = 1.0, phase: float = 0.0) -> np.ndarray:
    t = np.arange(int(round(dur * fs))) / fs
    return amp * np.sin(2 * np.pi * f * t + phase)


def butter_gain(f: float, fs: float, fc: float, order: int, btype: str) -> float:
    """|H(f)| of a digital Butterworth (bilinear transform with pre-warped corner)."""
    r = math.tan(math.pi * f / fs) / math.tan(math.pi * fc / fs)
    if btype == "highpass":
        r = 1.0 / r
    return 1.0 / math.sqrt(1.0 + r ** (2 * order))


def amplitude_phase(y: np.ndarray, fs: float, f: float) -> tuple[float, float]:
    """Least-squares amplitude and phase (rad) of a sine of frequency f in y."""
    t = np.arange(len(y)) / fs
    basis = np.column_stack([np.sin(2 * np.pi * f * t), np.cos(2 * np.pi * f * t)])
    (a, b), *_ = np.linalg.lstsq(basis, y, rcond=None)
    return math.hypot(a, b), math.atan2(b, a)


# ---------------------------------------------------------------- filter

@pytest.mark.parametrize("fs, lowpass", [(100, False), (128, False), (160, False), (200, True), (250, True),
                                         (257, True), (360, True), (500, True), (1000, True)])
def test_lowpass_skipped_at_or_above_09_nyquist(fs, lowpass):
    hp, lp = design_filter(float(fs), PAPER.low_hz, PAPER.high_hz, PAPER.order)
    assert hp is not None
    assert (lp is not None) == lowpass == (75.0 < 0.9 * fs / 2)


@pytest.mark.parametrize("fs", [200, 257, 360, 500, 1000])
def test_highpass_lowpass_cascade_equals_the_butterworth_bandpass(fs):
    hp, lp = design_filter(float(fs), 0.05, 75.0, 2)
    f = np.logspace(-3, np.log10(0.999 * fs / 2), 2000)
    _, band = sps.sosfreqz(sps.butter(2, [0.05, 75.0], btype="bandpass", fs=fs, output="sos"), worN=f, fs=fs)
    _, h1 = sps.sosfreqz(hp, worN=f, fs=fs)
    _, h2 = sps.sosfreqz(lp, worN=f, fs=fs)
    assert np.abs(np.abs(band) - np.abs(h1 * h2)).max() < 3e-4


def test_100hz_filter_is_highpass_only_so_30_to_45hz_pass_unattenuated():
    # The documented choice: no clamped low-pass on 100 Hz records (a 45 Hz corner would halve 45 Hz).
    fs = 100
    for f in (30.0, 40.0, 45.0):
        y = filter_signal(sine(fs, 10, f)[None], fs, PAPER)[0]
        amp, _ = amplitude_phase(y[100:-100], fs, f)
        assert amp == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("fs", [100, 500, 1000])
def test_slow_drift_is_strongly_attenuated(fs):
    drift = sine(fs, 120, 0.01, amp=1.0, phase=0.7)       # 1 mV, 0.01 Hz (a fifth of the corner)
    y = filter_signal(drift[None], fs, PAPER)[0]
    interior = y[30 * fs:-30 * fs]                        # edge transients (tau ~ 4.5 s) have died out
    # Steady state: the order-2 high-pass applied twice: |H|^2 = 1 / (1 + (fc/f)^4) ~= 0.0016
    expected = butter_gain(0.01, fs, 0.05, 2, "highpass") ** 2
    assert np.abs(interior).max() == pytest.approx(expected, abs=0.001)
    assert np.abs(y).max() < 0.1                          # edges included: >10x smaller than the drift
    ten_s = filter_signal(drift[None, : 10 * fs], fs, PAPER)[0]
    assert np.abs(ten_s).max() < 0.1


@pytest.mark.parametrize("fs", [100, 257, 360, 500, 1000])
def test_10hz_sine_passes_with_under_1pct_error_and_zero_phase(fs):
    x = sine(fs, 10, 10.0, amp=1.0, phase=0.3)
    y = filter_signal(x[None], fs, PAPER)[0]
    assert np.abs(y - x).max() < 0.01                     # < 1% of the amplitude, edges included
    amp, ph = amplitude_phase(y, fs, 10.0)
    assert amp == pytest.approx(1.0, abs=0.005)
    assert ph == pytest.approx(0.3, abs=math.radians(0.2))  # zero-phase: no shift


def test_120hz_at_500hz_attenuated_as_butterworth_predicts_and_not_aliased():
    fs = 500
    x = sine(fs, 10, 120.0)
    y = filter_signal(x[None], fs, PAPER)[0]
    amp, _ = amplitude_phase(y[250:-250], fs, 120.0)
    expected = butter_gain(120, fs, 75, 2, "lowpass") ** 2 * butter_gain(120, fs, 0.05, 2, "highpass") ** 2
    assert expected < 0.1
    assert amp == pytest.approx(expected, rel=0.03)
    # 120 Hz would alias to 20 Hz at 100 Hz: the resampler must remove it, not fold it.
    z = filtered_resampled(x[None], fs, PAPER)[0]
    assert np.abs(z[50:-50]).max() < 0.005


@pytest.mark.parametrize("f", [1.0, 5.0, 20.0, 40.0, 60.0])
def test_500hz_passband_matches_butterworth_magnitude(f):
    fs = 500
    y = filter_signal(sine(fs, 10, f)[None], fs, PAPER)[0]
    amp, _ = amplitude_phase(y[500:-500], fs, f)
    expected = butter_gain(f, fs, 75, 2, "lowpass") ** 2 * butter_gain(f, fs, 0.05, 2, "highpass") ** 2
    assert amp == pytest.approx(expected, abs=0.004)


def test_filter_edges_match_filtering_the_longer_record():
    # A 10 s crop filtered alone vs the same 10 s cut from the filtered 60 s signal: ECG-like spikes
    # plus 0.3 Hz respiration. The crop cannot know the baseline before it, but the edge handling
    # must not add an offset of the edge sample's size (sosfiltfilt's defaults do: ~1.5 mV here).
    fs = 500
    t = np.arange(60 * fs) / fs
    x = 0.3 * np.sin(2 * np.pi * 0.3 * t) + 0.2
    x[(np.arange(len(t)) % 400) < 10] += 1.5            # 75 bpm, 20 ms, 1.5 mV "QRS"
    full = filter_signal(x[None], fs, PAPER)[0]
    hp, lp = design_filter(float(fs), PAPER.low_hz, PAPER.high_hz, PAPER.order)
    for a in (20 * fs + 3, 20 * fs + 100, 27 * fs + 211):   # on a spike, between spikes, elsewhere
        ref = full[a:a + 10 * fs]
        crop = filter_signal(x[None, a:a + 10 * fs], fs, PAPER)[0]
        default = sps.sosfiltfilt(lp, sps.sosfiltfilt(hp, x[a:a + 10 * fs]))
        assert np.abs(crop - ref).max() < 0.3
        assert np.sqrt(np.mean((crop - ref) ** 2)) < 0.1
        if a == 20 * fs + 3:                              # the check discriminates: the defaults fail it
            assert np.abs(default - ref).max() > 1.0


# ---------------------------------------------------------------- resampling

@pytest.mark.parametrize("fs, factors", [(100, (1, 1)), (500, (1, 5)), (1000, (1, 10)), (250, (2, 5)),
                                         (360, (5, 18)), (257, (100, 257)), (128, (25, 32)),
                                         (50, (2, 1))])
def test_resample_factors_are_rational(fs, factors):
    assert resample_factors(fs, 100) == factors


@pytest.mark.parametrize("fs", [50, 257, 360, 500, 1000])
def test_resampled_sine_has_the_right_values_at_the_right_times(fs):
    f2 = 20.0 if fs > 50 else 12.0                        # below the source's Nyquist
    x = sine(fs, 10, 3.0, 1.0, 0.2) + sine(fs, 10, f2, 0.3, 1.1)
    z = filtered_resampled(x[None], fs, PAPER)[0]
    assert len(z) == math.ceil(len(x) * 100 / fs) == 1000
    t = np.arange(len(z)) / 100.0                       # sample k is at k / 100 s
    truth = np.sin(2 * np.pi * 3 * t + 0.2) + 0.3 * np.sin(2 * np.pi * f2 * t + 1.1)
    assert np.abs(z - truth)[100:-100].max() < 0.02
    if fs > 100:                                          # upsampling interpolates the first/last 0.1 s less well
        assert np.abs(z - truth).max() < 0.06


@pytest.mark.shared
def test_same_record_at_500_and_100_hz_gives_the_same_model_input(shared_datasets):
    # The real 500 Hz PTB-XL record, and the same record brought to 100 Hz first (as PTB-XL's
    # records100 are): band-pass at 500 Hz vs high-pass only at 100 Hz must agree.
    wfdb = pytest.importorskip("wfdb")
    rec = wfdb.rdrecord(str(shared_datasets / "cinc" / "cinc2021" / "PTB_PTBXL" / "HR00001"))
    x = rec.p_signal.T
    x100 = sps.resample_poly(x, 1, 5, axis=1)
    a = model_inputs(x, rec.fs).mv
    b = model_inputs(x100, 100).mv
    d = (a - b)[..., 50:-50]
    assert np.abs(d).max() < 0.05
    assert np.sqrt(np.mean(d ** 2)) < 0.005


# ---------------------------------------------------------------- windows and shapes

@pytest.mark.parametrize("fs", [100, 500, 1000])
@pytest.mark.parametrize("dur, starts", [(8, [0.0]), (10, [0.0]), (38, [0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 28.0])])
def test_model_inputs_shapes_and_window_starts(fs, dur, starts):
    rng = np.random.default_rng(fs + dur)
    x = rng.standard_normal((12, dur * fs)).astype(np.float32)
    mi = model_inputs(x, fs)
    W = len(starts)
    assert isinstance(mi, ModelInputs)
    assert mi.signal.shape == (W, 12, 1000) and mi.signal.dtype == np.float32
    assert mi.mv.shape == (W, 12, 1000) and mi.mv.dtype == np.float32
    assert mi.image.shape == (W, 224, 224) and mi.image.dtype == np.uint8
    np.testing.assert_allclose(mi.starts_s, starts)


def test_window_starts_rules():
    n = CFG.n_samples
    assert n == 1000
    assert window_starts(800).tolist() == [0]
    assert window_starts(1000).tolist() == [0]
    assert window_starts(1050).tolist() == [0]                  # 0.5 s tail: not worth a window
    assert window_starts(1600).tolist() == [0, 500, 600]        # 1 s tail past the stride: end-aligned window
    long = window_starts(2 * 3600 * 100)                        # 2 h Holter-like record
    assert len(long) == CFG.max_windows
    assert long[0] == 0 and long[-1] == 2 * 3600 * 100 - n
    assert np.ptp(np.diff(long)) <= 1                           # evenly spread


def test_windows_are_cuts_of_the_filtered_record_at_their_start_times():
    fs = 500
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.standard_normal((12, 38 * fs)), axis=1) * 0.01 + sine(fs, 38, 7.0)[None]
    full = filtered_resampled(x, fs)
    mi = model_inputs(x, fs)
    for w, s in enumerate(mi.starts_s):
        k = int(round(s * 100))
        np.testing.assert_allclose(mi.mv[w], full[:, k:k + 1000], atol=1e-5)


# ---------------------------------------------------------------- normalisation, flat and missing leads

def test_instance_normalisation_per_lead_per_window():
    fs = 500
    rng = np.random.default_rng(2)
    gains = np.linspace(0.1, 3.0, 12)[:, None]
    x = gains * rng.standard_normal((12, 38 * fs)) + 5.0
    sig = model_inputs(x, fs).signal
    np.testing.assert_allclose(sig.mean(axis=-1), 0.0, atol=1e-5)
    np.testing.assert_allclose(sig.std(axis=-1), 1.0, atol=1e-4)


def test_short_record_is_normalised_on_its_samples_then_zero_padded():
    fs = 100
    x = sine(fs, 8, 5.0, 2.0)[None].repeat(12, axis=0)
    sig = model_inputs(x, fs).signal[0]
    real, pad = sig[:, :800], sig[:, 800:]
    np.testing.assert_allclose(real.mean(axis=-1), 0.0, atol=1e-5)
    np.testing.assert_allclose(real.std(axis=-1), 1.0, atol=1e-4)
    assert np.all(pad == 0.0)


def test_flat_leads_stay_zero_never_nan():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((12, 1000))
    x[2] = 0.0                          # disconnected lead
    x[4] = 1.7                          # constant offset
    mi = model_inputs(x, 100)
    assert np.all(mi.signal[0, 2] == 0) and np.all(mi.signal[0, 4] == 0)
    assert np.isfinite(mi.signal).all() and np.isfinite(mi.mv).all()


def test_missing_samples_do_not_leak():
    fs = 500
    rng = np.random.default_rng(4)
    x = rng.standard_normal((12, 10 * fs)) * 0.3 + sine(fs, 10, 1.2)[None]
    clean = model_inputs(x.copy(), fs)
    x[3] = np.nan                       # a wholly missing lead
    x[5, 1000:1500] = np.nan            # 1 s gap: 2.0-3.0 s
    x[7, 100] = np.inf                  # a corrupt sample counts as missing
    mi = model_inputs(x, fs)
    for arr in (mi.signal, mi.mv, mi.image):
        assert np.isfinite(arr.astype(np.float64)).all()
    assert np.all(mi.signal[0, 3] == 0) and np.all(mi.mv[0, 3] == 0)
    # The gap is 0 in the normalised signal and in mV, and the finite rest is standardised.
    assert np.all(mi.signal[0, 5, 200:300] == 0) and np.all(mi.mv[0, 5, 200:300] == 0)
    rest = np.r_[mi.signal[0, 5, :200], mi.signal[0, 5, 300:]]
    assert rest.mean() == pytest.approx(0.0, abs=1e-4) and rest.std() == pytest.approx(1.0, abs=1e-3)
    # Other leads are untouched by a neighbour's missing data.
    for lead in (0, 1, 2, 4, 6, 8, 9, 10, 11):
        np.testing.assert_array_equal(mi.signal[0, lead], clean.signal[0, lead])
    # The mV path keeps NaN where the samples were missing, at the right times.
    z = filtered_resampled(x, fs)
    assert np.isnan(z[3]).all()
    assert np.flatnonzero(np.isnan(z[5])).tolist() == list(range(200, 300))
    assert np.isnan(filter_signal(x, fs)[5, 1000:1500]).all()


@pytest.mark.parametrize("bad, fs, match", [
    (np.zeros(1000), 100, "2-D"),
    (np.zeros((11, 1000)), 100, "12 leads"),
    (np.zeros((12, 1)), 100, "samples"),
    (np.zeros((12, 1000)), 0, "sampling frequency"),
    (np.zeros((12, 1000)), float("nan"), "sampling frequency"),
    (np.array([["a"] * 10] * 12), 100, "real numbers"),
])
def test_bad_input_raises_a_clear_error(bad, fs, match):
    with pytest.raises(PreprocessError, match=match):
        model_inputs(bad, fs)


# ---------------------------------------------------------------- the one path

def test_model_image_is_the_renderer_applied_to_the_window_mv():
    fs = 500
    rng = np.random.default_rng(5)
    x = rng.standard_normal((12, 20 * fs)) * 0.2
    mi = model_inputs(x, fs)
    assert len(mi.starts_s) == 3
    for w in range(3):
        np.testing.assert_array_equal(mi.image[w], render_ecg(mi.mv[w], 100.0).image)
    assert (mi.image < 128).any()


def test_real_ptbxl_record(ptbxl_root):
    wfdb = pytest.importorskip("wfdb")
    rec = wfdb.rdrecord(str(ptbxl_root / "records100" / "00000" / "00001_lr"))
    mi = model_inputs(rec.p_signal.T, rec.fs, PAPER)
    assert mi.signal.shape == (1, 12, 1000) and mi.image.shape == (1, 224, 224)
    np.testing.assert_allclose(mi.signal.std(axis=-1), 1.0, atol=1e-4)
    # The paper's band-pass + resample at 100 Hz is a high-pass: the mV trace differs from the raw one only slowly.
    raw = rec.p_signal.T
    hp_removed = raw - mi.mv[0]
    assert np.abs(np.diff(hp_removed, axis=1)).max() < 0.02       # what was removed is baseline, not QRS
    # The default (0.5 Hz high-pass, 40 Hz model low-pass) keeps the waveform: what it removes
    # beyond the paper's filter is baseline below ~1 Hz and content above ~35 Hz, not the 1-35 Hz band.
    extra = model_inputs(raw, rec.fs).mv[0] - mi.mv[0]
    band = sps.butter(2, [1.5, 30.0], btype="bandpass", fs=100, output="sos")
    in_band = sps.sosfiltfilt(band, extra, axis=-1)
    assert np.sqrt(np.mean(in_band ** 2)) < 0.05 * np.sqrt(np.mean(mi.mv[0] ** 2))


# ---------------------------------------------------------------- mains and the model's Nyquist

@pytest.mark.parametrize("fs", [250, 360, 500, 1000])
@pytest.mark.parametrize("f", [50.0, 60.0, 50.2, 59.8])
def test_mains_is_removed_everywhere_including_the_edges(fs, f):
    # 0.1 mV mains on every lead at a random phase, nominal or 0.2 Hz off: after the default path
    # nothing above 2 uV survives, the first and last second included (a notch filter leaves
    # ~0.1 mV start-up transients there). The legacy path lets ~0.06-0.09 mV through.
    rng = np.random.default_rng(int(fs + 10 * f))
    x = np.stack([sine(fs, 10, f, 0.1, ph) for ph in rng.uniform(0, 2 * np.pi, 12)])
    assert np.abs(filtered_resampled(x, fs)).max() < 0.002
    legacy = PreprocessConfig.from_dict({"low_hz": 0.05})
    assert np.abs(filtered_resampled(x, fs, legacy)).max() > 0.03      # the check discriminates


def test_mains_harmonics_are_listed_below_nyquist():
    from mirage_model.preprocess import mains_frequencies

    assert mains_frequencies(500.0, (50.0, 60.0)) == (50.0, 60.0, 100.0, 120.0, 150.0, 180.0, 200.0)  # 240 > 0.95 x 250
    assert mains_frequencies(100.0, (50.0, 60.0)) == ()                   # 50 Hz is Nyquist: the low-pass's job
    assert mains_frequencies(250.0, (50.0,)) == (50.0, 100.0)


def test_mains_subtraction_leaves_an_ecg_like_signal_alone():
    # QRS-like spikes and a T-like bump at 500 Hz: removing mains must not reshape them.
    fs = 500
    t = np.arange(10 * fs) / fs
    x = np.zeros((12, len(t)))
    for beat in np.arange(0.4, 10, 0.8):
        x += 1.2 * np.exp(-0.5 * ((t - beat) / 0.012) ** 2) + 0.3 * np.exp(-0.5 * ((t - beat - 0.3) / 0.05) ** 2)
    on = filtered_resampled(x, fs)
    off = filtered_resampled(x, fs, PreprocessConfig(mains_hz=()))
    assert np.abs(on - off).max() < 0.03 * np.abs(off).max()


def _beats(fs: int, seconds: float = 10.0) -> np.ndarray:
    """(12, T) mV: a QRS-like Gaussian (1.2 mV, sd 12 ms) and a T-like one (0.3 mV, sd 50 ms) every 0.8 s."""
    t = np.arange(int(seconds * fs)) / fs
    x = np.zeros((12, len(t)))
    for beat in np.arange(0.4, seconds, 0.8):
        x += 1.2 * np.exp(-0.5 * ((t - beat) / 0.012) ** 2) + 0.3 * np.exp(-0.5 * ((t - beat - 0.3) / 0.05) ** 2)
    return x


@pytest.mark.parametrize("fs", [250, 500, 1000])
def test_mains_subtraction_at_the_native_rate_returns_a_mains_free_ecg_unchanged(fs):
    # Beats with nothing at the mains frequencies: what remove_mains subtracts must be ~0 everywhere,
    # the record's first and last half second included. The unweighted fit took up to 0.09 mV of
    # the beats for mains (leakage of non-periodic waves into 0.5 s sinusoids), most at the ends.
    from mirage_model.preprocess import remove_mains

    x = _beats(fs)
    assert np.abs(remove_mains(x, fs, (50.0, 60.0)) - x).max() < 0.002


@pytest.mark.parametrize("fs", [500, 1000])
def test_pacing_spikes_are_not_turned_into_mains_ringing(fs):
    # 5 mV pacing spikes of 1-2 ms before each beat, plus 0.1 mV of 50 Hz mains: after remove_mains
    # the signal away from the spikes is the beats again (the sinusoid fit smeared each spike into
    # ~0.5 mV of 50-200 Hz ringing across its window), and the spikes keep their height.
    from mirage_model.preprocess import remove_mains

    ecg = _beats(fs)
    t = np.arange(ecg.shape[1]) / fs
    x = ecg + 0.1 * np.sin(2 * np.pi * 50.0 * t + 0.7)
    spikes = (np.arange(0.35, 10, 0.8) * fs).astype(int)
    width = max(1, fs // 500)
    away = np.ones(len(t), bool)
    for s0 in spikes:
        x[:, s0:s0 + width] += 5.0
        away[s0 - int(0.004 * fs):s0 + width + int(0.004 * fs)] = False
    y = remove_mains(x, fs, (50.0, 60.0))
    assert np.abs(y - ecg)[:, away].max() < 0.011   # 10.3 uV at 500 Hz fitting the 50 Hz line found, 9.7 fitting all
    assert np.abs(y[:, spikes] - ecg[:, spikes] - 5.0).max() < 0.05


@pytest.mark.parametrize("fs", [100, 500])
def test_nothing_near_the_model_nyquist_survives(fs):
    # 45 Hz is attenuated as a 40 Hz order-4 Butterworth applied twice predicts; 50 Hz at 100 Hz
    # (mains on Nyquist) vanishes.
    y = filtered_resampled(sine(fs, 10, 45.0)[None], fs)[0]
    amp, _ = amplitude_phase(y[100:-100], 100, 45.0)
    assert amp == pytest.approx(butter_gain(45.0, 100, 40.0, 4, "lowpass") ** 2, abs=0.02)
    assert amp < 0.25
    if fs == 100:
        nyq = 0.1 * np.cos(np.pi * np.arange(1000) + 0.4)[None]
        assert np.abs(filtered_resampled(nyq, 100)).max() < 0.005       # 2 uV of start-up at the ends


def test_checkpoint_settings_without_the_new_keys_keep_their_old_preprocessing():
    old = {"low_hz": 0.05, "high_hz": 75.0, "order": 2, "target_fs": 100.0, "window_s": 10.0, "stride_s": 5.0,
           "max_windows": 16, "eps": 1e-6, "pad_s": 1.0}
    cfg = PreprocessConfig.from_dict(old)
    assert cfg.mains_hz == () and cfg.model_lowpass_hz == 0.0 and cfg.low_hz == 0.05
    from dataclasses import asdict

    assert PreprocessConfig.from_dict(asdict(CFG)) == CFG
    with pytest.raises(TypeError):
        PreprocessConfig.from_dict({**old, "bogus": 1})


# ---------------------------------------------------------------- wavelet shrinkage

DENOISE = PreprocessConfig(denoise_k=3.7, denoise_floor_mv=0.0)


def ecg_like(fs: float, dur: float = 10.0, leads: int = 12) -> np.ndarray:
    """(leads, T) mV: QRS-like spikes, T-like and P-like bumps every 0.8 s, a different amplitude per lead."""
    t = np.arange(int(round(dur * fs))) / fs
    one = np.zeros_like(t)
    for beat in np.arange(0.4, dur, 0.8):
        one += (1.2 * np.exp(-0.5 * ((t - beat) / 0.012) ** 2) + 0.3 * np.exp(-0.5 * ((t - beat - 0.3) / 0.05) ** 2)
                + 0.12 * np.exp(-0.5 * ((t - beat + 0.16) / 0.03) ** 2))
    return np.stack([one * (0.4 + 0.1 * k) for k in range(leads)])


def test_level_noise_gains_match_filtered_white_noise():
    # Independent truth: the SD of each detail level of many seconds of white noise put through the
    # model low-pass, measured, against the exact figures from the equivalent filters.
    import pywt

    from mirage_model.preprocess import model_lowpass
    from mirage_model.preprocess.filters import _detail_noise_sd

    noise = model_lowpass(np.random.default_rng(3).standard_normal((8, 2 ** 14)), CFG)
    details = pywt.swt(noise, "sym4", level=4, norm=True, trim_approx=True, axis=-1)[1:][::-1]
    measured = [float(d[:, 200:-200].std()) for d in details]
    exact = _detail_noise_sd("sym4", 4, 100.0, 40.0, 4)
    assert measured == pytest.approx(list(exact), rel=0.03)
    # 25-50 Hz is cut above 40 Hz, 12.5-25 Hz is not
    assert exact[0] < 0.6 and exact[1] == pytest.approx(0.5, abs=0.05)


def test_wavelet_shrinkage_removes_most_white_noise_and_keeps_the_waves():
    from mirage_model.preprocess import model_lowpass, wavelet_denoise

    clean = filtered_resampled(ecg_like(100), 100, CFG)
    noise = model_lowpass(0.02 * np.random.default_rng(0).standard_normal(clean.shape), CFG)
    # noise alone mostly goes (its SD estimated from the finest level)
    assert wavelet_denoise(noise, DENOISE).std() < 0.35 * noise.std()
    # with a floor at the noise's size, the shrunk noisy record is nearer the shrunk clean one than
    # the noisy record is to the clean one: what the model (trained on shrunk records) sees moves less
    floored = PreprocessConfig(denoise_k=3.7, denoise_floor_mv=0.02)
    moved = np.sqrt(((wavelet_denoise(clean + noise, floored) - wavelet_denoise(clean, floored)) ** 2).mean())
    assert moved < 0.6 * np.sqrt((noise ** 2).mean())
    # and the R peaks keep their height within 5 %
    out = wavelet_denoise(clean + noise, floored)
    peaks = np.arange(40, 1000, 80)
    assert np.abs(out[:, peaks] - clean[:, peaks]).max() < 0.05 * np.abs(clean[:, peaks]).max()


def test_wavelet_shrinkage_is_off_by_k_zero_and_follows_gain_without_a_floor():
    from mirage_model.preprocess import wavelet_denoise

    x = filtered_resampled(ecg_like(100), 100, CFG) + 0.01 * np.random.default_rng(1).standard_normal((12, 1000))
    assert wavelet_denoise(x, PreprocessConfig(denoise_k=0.0)) is x
    np.testing.assert_allclose(wavelet_denoise(3.0 * x, DENOISE), 3.0 * wavelet_denoise(x, DENOISE), atol=1e-9)
    # with a floor, a noise-free signal is shrunk as if it carried floor-sized noise: the same
    # threshold for a clean record and a noisy one
    floored = PreprocessConfig(denoise_k=3.7, denoise_floor_mv=0.02)
    clean = filtered_resampled(ecg_like(100), 100, CFG)
    assert np.abs(wavelet_denoise(clean, DENOISE) - clean).max() < 0.003     # of a 1.2 mV R wave
    assert np.abs(wavelet_denoise(clean, floored) - clean).max() > 0.01


def test_wavelet_shrinkage_in_the_one_path_keeps_edges_and_missing_samples():
    cfg = PreprocessConfig(denoise_k=3.7, denoise_floor_mv=0.02)
    x = ecg_like(500, dur=7.3)
    x[3, 1000:1400] = np.nan
    y = filtered_resampled(x, 500, cfg)
    assert y.shape == (12, 730)
    assert np.isnan(y[3, 200:280]).all() and np.isfinite(np.delete(y, 3, axis=0)).all()
    ref = filtered_resampled(ecg_like(500, dur=7.3), 500, CFG)
    # a 7.3 s record (not a multiple of the transform's 16 samples) keeps its ends
    assert np.abs(y[0, :50] - ref[0, :50]).max() < 0.05 and np.abs(y[0, -50:] - ref[0, -50:]).max() < 0.05
    mi = model_inputs(np.nan_to_num(x), 500, cfg)
    assert np.isfinite(mi.signal).all()


def test_checkpoints_before_the_shrinkage_keep_it_off():
    old = {"low_hz": 0.5, "high_hz": 75.0, "order": 2, "mains_hz": [50.0, 60.0], "model_lowpass_hz": 40.0,
           "target_fs": 100.0, "window_s": 10.0, "stride_s": 5.0, "max_windows": 16, "eps": 1e-6, "pad_s": 1.0}
    assert PreprocessConfig.from_dict(old).denoise_k == 0.0
