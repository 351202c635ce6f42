"""Recording faults: each against an independent truth (electrode potentials, spectra, seeds)."""

from __future__ import annotations

import numpy as np
import pytest

from mirage_model import perturb
from mirage_model.paths import resources_dir
from mirage_model.preprocess import filtered_resampled
from mirage_model.records import STANDARD_LEADS, EcgRecord, load_record

FS = 500.0


def leads_from_electrodes(ra, la, ll, chest):
    """12 leads from electrode potentials (the textbook definitions, independent of perturb)."""
    wct = (ra + la + ll) / 3
    return np.stack([la - ra, ll - ra, ll - la, ra - (la + ll) / 2, la - (ra + ll) / 2, ll - (ra + la) / 2,
                     *(chest - wct)])


@pytest.fixture(scope="module")
def electrodes():
    rng = np.random.default_rng(1)
    return rng.standard_normal(3 * 200).reshape(3, 200), rng.standard_normal(6 * 200).reshape(6, 200)


@pytest.mark.parametrize("swap, placed", [
    ("LA/RA", (1, 0, 2)), ("LA/LL", (0, 2, 1)), ("RA/LL", (2, 1, 0)),
    ("RA>LA>LL", (1, 2, 0)),   # the RA cable on the left arm, LA on the left leg, LL on the right arm
    ("RA>LL>LA", (2, 0, 1)),
])
def test_limb_swaps_match_electrode_algebra(electrodes, swap, placed):
    limbs, chest = electrodes
    truth = leads_from_electrodes(*(limbs[i] for i in placed), chest)
    got = perturb.reverse_electrodes(leads_from_electrodes(*limbs, chest), FS, None, swap)
    np.testing.assert_allclose(got, truth, atol=1e-5)


@pytest.mark.parametrize("swap, cable", [("RA/RL", 0), ("LA/RL", 1)])
def test_neutral_swaps_flatten_a_lead(electrodes, swap, cable):
    limbs, chest = electrodes
    placed = list(limbs)
    placed[cable] = limbs[2]            # the arm cable reads the right leg, taken equal to the left leg
    truth = leads_from_electrodes(*placed, chest)
    got = perturb.reverse_electrodes(leads_from_electrodes(*limbs, chest), FS, None, swap)
    np.testing.assert_allclose(got, truth, atol=1e-5)
    flat = STANDARD_LEADS.index("II" if swap == "RA/RL" else "III")
    assert np.abs(got[flat]).max() < 1e-5


def test_precordial_swap_exchanges_two_leads():
    x = np.arange(12 * 10, dtype=np.float32).reshape(12, 10)
    got = perturb.reverse_electrodes(x, FS, None, "V2/V3")
    np.testing.assert_array_equal(got[7], x[8])
    np.testing.assert_array_equal(got[8], x[7])
    np.testing.assert_array_equal(np.delete(got, [7, 8], 0), np.delete(x, [7, 8], 0))


def _einthoven_residual(x):
    return np.abs(x[1] - x[0] - x[2]).max()


@pytest.mark.parametrize("name", [n for n in perturb.PRESETS
                                  if not n.startswith(("reversal", "gain x2 lead", "lead "))])
def test_additive_noise_keeps_einthoven_and_is_seeded(name):
    x = np.zeros((12, 5000), np.float32)
    a = perturb.perturb_signal(x, FS, name, seed=3)
    b = perturb.perturb_signal(x, FS, name, seed=3)
    c = perturb.perturb_signal(x, FS, name, seed=4)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (12, 5000) and a.dtype == np.float32
    assert _einthoven_residual(a) < 1e-5
    if not name.startswith("gain"):
        assert not np.array_equal(a, c)


@pytest.mark.parametrize("name", list(perturb.PRESETS))
def test_seeded_names_exactly_the_presets_that_depend_on_the_seed(name):
    rng = np.random.default_rng(0)
    x = (0.3 * rng.standard_normal((12, 2000))).astype(np.float32)
    x[2] = x[1] - x[0]                              # Einthoven holds, as on a recording
    differs = not np.array_equal(perturb.perturb_signal(x, FS, name, seed=1),
                                 perturb.perturb_signal(x, FS, name, seed=2))
    assert differs == (name in perturb.SEEDED)


def _amp_at(x, fs, f0):
    spec = np.abs(np.fft.rfft(x)) / len(x) * 2
    return spec[int(round(f0 * len(x) / fs))]


def test_mains_amplitude_and_harmonics():
    x = np.zeros((12, 5000), np.float32)
    y = perturb.mains(x, FS, np.random.default_rng(0), freq_hz=50.0, amplitude_mv=0.1)
    a50 = _amp_at(y[0], FS, 50)
    assert 0.05 - 1e-6 <= a50 <= 0.1 + 1e-6
    assert 0.0 < _amp_at(y[0], FS, 150) <= 0.1 / 3 + 1e-6
    assert _amp_at(y[0], FS, 100) < 1e-6              # odd harmonics only
    # at 100 Hz the 50 Hz component sits at Nyquist; 150 Hz is above it and is left out
    y100 = perturb.mains(np.zeros((12, 1000)), 100.0, np.random.default_rng(0), freq_hz=50.0)
    assert np.abs(y100).max() > 0 and np.abs(y100).max() <= 0.1 * 1.5 + 1e-6


def test_baseline_wander_is_slow_and_sized():
    y = perturb.baseline_wander(np.zeros((12, 5000)), FS, np.random.default_rng(0), 0.3, 0.5)
    ptp_i = np.ptp(y[0])
    assert 0.5 <= ptp_i <= 1.0 + 1e-6                 # peak amplitude 0.25-0.5 mV... 0.5x-1x of 0.5 mV
    spec = np.abs(np.fft.rfft(y[0]))
    f = np.fft.rfftfreq(5000, 1 / FS)
    assert f[np.argmax(spec)] < 0.5


def test_muscle_noise_rms_and_band():
    y = perturb.muscle_noise(np.zeros((12, 5000)), FS, np.random.default_rng(0), rms_mv=0.05)
    assert y[0].std() == pytest.approx(0.05, rel=0.1)
    yb = perturb.muscle_noise(np.zeros((12, 5000)), FS, np.random.default_rng(0), rms_mv=0.05, band_hz=(20, 150))
    f = np.fft.rfftfreq(5000, 1 / FS)
    p = np.abs(np.fft.rfft(yb[0])) ** 2
    assert p[(f > 20) & (f < 150)].sum() > 0.95 * p.sum()


def test_zero_gain_pacing_and_apply():
    rec = load_record(resources_dir() / "samples" / "ludb" / "1")
    z = perturb.apply(rec, "lead II zeroed", seed=0)
    assert np.all(z.signal[1] == 0) and z.quality["flat"][1] and not z.quality["flat"][0]
    np.testing.assert_array_equal(z.signal[0], rec.signal[0])
    assert z.meta["perturbation"] == {"name": "lead II zeroed", "seed": 0}
    g = perturb.apply(rec, "gain x2 lead V2", seed=0)
    np.testing.assert_allclose(g.signal[7], 2 * rec.signal[7], rtol=1e-6)
    p = perturb.pacing_spikes(np.zeros((12, 5000)), FS, np.random.default_rng(0), rate_bpm=60, amplitude_mv=3)
    onsets = np.flatnonzero(np.diff((np.abs(p[0]) > 0.5).astype(int)) == 1)
    assert len(onsets) in (9, 10)                      # 60 per minute over 10 s
    with pytest.raises(perturb.PerturbError):
        perturb.apply(rec, "no such fault")


def test_at_rate_resamples_without_new_content_and_keeps_missing():
    fs0 = 100.0
    t0 = np.arange(1000) / fs0
    sig = np.tile(np.sin(2 * np.pi * 5 * t0), (12, 1)).astype(np.float32)
    sig[3, 400:420] = np.nan
    rec = EcgRecord(signal=sig, fs=fs0, record_id="sine")
    up = perturb.at_rate(rec, 500.0)
    assert up.fs == 500.0 and up.signal.shape == (12, 5000) and up.meta["resampled_from_hz"] == 100.0
    t = np.arange(5000) / 500.0
    inner = slice(250, 4750)                       # the polyphase filter's edges aside
    np.testing.assert_allclose(up.signal[0, inner], np.sin(2 * np.pi * 5 * t[inner]), atol=0.01)
    spec = np.abs(np.fft.rfft(up.signal[0])) ** 2
    f = np.fft.rfftfreq(5000, 1 / 500.0)
    assert spec[f > 55].sum() < 1e-4 * spec.sum()   # nothing above the file's own Nyquist
    nan = np.flatnonzero(np.isnan(up.signal[3]))
    assert nan.min() >= 1995 and nan.max() <= 2100 and not np.isnan(up.signal[2]).any()
    assert perturb.at_rate(rec, 100.0) is rec
    with pytest.raises(perturb.PerturbError):
        perturb.at_rate(rec, 0.0)


def test_noise_added_at_500_hz_reaches_the_model_band_a_fifth_as_strong():
    """White noise of one RMS added at 100 Hz lies wholly in the model's band; added at 500 Hz, four
    fifths of its power lie above 50 Hz and are filtered away: the residual RMS is sqrt(1/5) of the
    100 Hz case's."""
    zeros = EcgRecord(signal=np.zeros((12, 1000), np.float32), fs=100.0, record_id="zeros")
    res = []
    for rec in (zeros, perturb.at_rate(zeros, 500.0)):
        noisy = perturb.apply(rec, "muscle noise 0.05 mV", seed=3)
        res.append(np.nanstd(filtered_resampled(noisy.signal, noisy.fs)[:, 100:-100]))
    assert res[1] / res[0] == pytest.approx(np.sqrt(1 / 5), rel=0.1)
