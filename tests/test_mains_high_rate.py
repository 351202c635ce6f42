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
    # what the model and the display read: the band-pass of the record with mains and without it agree, the ends
    # too, where the 1 and 2.05 kHz lines the fit leaves had reached the first and last samples (0.019 mV; now
    # subtracted there, 7e-6 mV); the lines up to 500 Hz leave nothing (1e-11 mV)
    d = np.abs(filter_signal(_with_mains(x, FS), FS) - filter_signal(x, FS))
    assert d.max() < 1e-4


def test_the_lines_above_the_fitted_ones_listed_for_the_ends():
    # worked out by hand: 50 x 11..18 and 60 x 9..15 at 2 kHz (below 950 Hz, 0.95 x Nyquist); none up to 1 kHz
    assert preprocess.mains.edge_frequencies(2000.0, MAINS) == (
        540.0, 550.0, 600.0, 650.0, 660.0, 700.0, 720.0, 750.0, 780.0, 800.0, 840.0, 850.0, 900.0)
    assert preprocess.mains.edge_frequencies(1000.0, MAINS) == ()
    assert preprocess.mains.edge_frequencies(500.0, MAINS) == ()
    assert preprocess.mains.edge_frequencies(100.0, MAINS) == ()


def test_lines_above_500_hz_leave_nothing_at_the_records_ends():
    # odd padding makes every zero-phase low-pass return a record's end samples as they are, so a line above
    # MAINS_MAX_HZ reached the band-pass's first and last samples whole: 0.01 mV at 1000 and 1550 Hz moved them
    # by up to 0.02 mV at 4 kHz. The truth is the record without the lines.
    fs = 4000.0
    rec = load_record(DATA / "ludb" / "65.hea")
    x = sps.resample_poly(np.asarray(rec.signal, dtype=np.float64), 8, 1, axis=1)        # (12, 40000)
    t = np.arange(x.shape[1]) / fs
    rng = np.random.default_rng(4)
    lines = sum(0.01 * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi, (12, 1))) for f in (1000.0, 1550.0))
    d = np.abs(filter_signal(x + lines, fs) - filter_signal(x, fs))
    assert d.max() < 0.002, np.unravel_index(d.argmax(), d.shape)
