"""preprocess.remove_mains at high sampling rates fits the harmonics up to ``MAINS_MAX_HZ``, not every one to Nyquist.

Every subtraction is followed by a low-pass (the model's 75 Hz band-pass, the measurement's 100 Hz conditioning, the
resampler to 100 Hz), so the harmonics above 500 Hz are left to it: at 16 kHz 17 frequencies are fitted where 252
were, whose operator and products took seconds for 10 s. The truth here is what was added: a real record (LUDB 65,
brought to 16 kHz) plus known mains sinusoids, and the record's own spectrum at those frequencies.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import signal as sps

from mirage_model import preprocess
from mirage_model.preprocess import filter_signal, mains_frequencies, remove_mains
from mirage_model.records import load_record

DATA = Path(__file__).parent / "data"
MAINS = (50.0, 60.0)
FS = 16000.0
# 50 Hz mains and harmonics (mV) up to the top fitted, and two far above it that the band-pass takes
ADDED = {50.0: 0.3, 100.0: 0.03, 150.0: 0.1, 200.0: 0.02, 250.0: 0.05, 300.0: 0.02, 350.0: 0.03, 400.0: 0.01,
         450.0: 0.02, 500.0: 0.01, 1000.0: 0.01, 2050.0: 0.01}


def _ludb65_at_16_khz() -> np.ndarray:
    rec = load_record(DATA / "ludb" / "65.hea")
    assert float(rec.fs) == 500.0
    return sps.resample_poly(np.asarray(rec.signal, dtype=np.float64), 32, 1, axis=1)   # (12, 160000)


def _with_mains(x: np.ndarray, fs: float) -> np.ndarray:
    t = np.arange(x.shape[1]) / fs
    rng = np.random.default_rng(16)
    return x + sum(a * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi, (x.shape[0], 1))) for f, a in ADDED.items())


def _amplitude(y: np.ndarray, fs: float, f: float) -> np.ndarray:
    """(L,) mV: the amplitude of f Hz in each lead of (L, T) y over the whole record (10 s: f is a DFT bin)."""
    return 2.0 * np.abs(y @ np.exp(-2j * np.pi * f * np.arange(y.shape[1]) / fs)) / y.shape[1]


def test_the_harmonics_fitted_stop_at_500_hz():
    # worked out by hand: 50 x 1..10 and 60 x 1..8, 300 Hz in both
    top = (50.0, 60.0, 100.0, 120.0, 150.0, 180.0, 200.0, 240.0, 250.0, 300.0, 350.0, 360.0, 400.0, 420.0, 450.0,
           480.0, 500.0)
    for fs in (2000.0, 9999.0, 16000.0, 31999.9):
        assert mains_frequencies(fs, MAINS) == top, fs
    # up to 1 kHz (the rates the shipped models saw) every harmonic below 0.95 x Nyquist, as before
    assert mains_frequencies(1000.0, MAINS) == top[:-2]                                   # 475 Hz: no 480, 500
    assert mains_frequencies(500.0, MAINS) == (50.0, 60.0, 100.0, 120.0, 150.0, 180.0, 200.0)


def test_ten_seconds_at_16_khz_fit_at_most_70_columns(monkeypatch):
    # an operation count, not a clock: each window's least squares has 2 + 4 F columns (constant, ramp; per
    # frequency cos, sin and their drift terms). Every harmonic to Nyquist had been 252 frequencies, 1010 columns.
    built = []
    real = preprocess.mains._mains_operator

    def counting(fs, freqs, n):
        built.append((fs, len(freqs), n))
        return real(fs, freqs, n)
    monkeypatch.setattr(preprocess.mains, "_mains_operator", counting)
    x = _with_mains(_ludb65_at_16_khz(), FS)
    remove_mains(x, FS, MAINS, only_present=False)
    assert built and all(fs == FS and n == 8000 for fs, _, n in built)
    assert max(2 + 4 * f for _, f, _ in built) <= 70


def test_mains_at_16_khz_is_still_removed_up_to_the_band_that_follows():
    x = _ludb65_at_16_khz()
    y = remove_mains(_with_mains(x, FS), FS, MAINS, only_present=False)
    left = y - x                                                     # what is left of the mains, less what the fit
    for f, a in ADDED.items():                                       # took from the ECG itself there
        if f <= 500.0:
            own = _amplitude(x, FS, f)
            assert _amplitude(left, FS, f).max() < 0.05 * a, f       # 1-3 % left (the ECG's own 0.2-3.6 uV there)
            assert own.max() < 0.05 * a, f
    # what the model and the display read: the band-pass of the record with mains and without it agree but at the
    # ends, where the band-pass's mirror padding meets the 1 and 2.05 kHz lines it was left (0.019 mV at the last
    # sample, under 2 uV beyond 10 ms); the lines up to 500 Hz leave nothing (1e-11 mV)
    d = np.abs(filter_signal(_with_mains(x, FS), FS) - filter_signal(x, FS)).max(axis=0)
    edge = int(0.02 * FS)
    assert d[edge:-edge].max() < 1e-4
    assert d.max() < 0.03
