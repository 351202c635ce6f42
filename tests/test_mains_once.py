"""The mains fit runs once per record: the fit the pacing-spike search measures each lead by (``_without_spikes``)
is the one subtracted where no lead is searched again and the lines fitted are those subtracted, not made again by
``remove_mains``."""

import numpy as np
import pytest

from mirage_model.preprocess import mains

FS = 500.0


def _record(mains_mv):
    """(12, 10 s) mV: a 72 bpm train of Gaussian beats in every lead, 0.01 mV of white noise, and ``mains_mv`` of
    50 Hz in every lead (below ``SPIKE_MAINS_MV``: no lead searched again)."""
    t = np.arange(int(10 * FS)) / FS
    beat = sum(1.0 * np.exp(-0.5 * ((t - p) / 0.015) ** 2) + 0.25 * np.exp(-0.5 * ((t - p - 0.3) / 0.05) ** 2)
               for p in np.arange(0.4, 9.6, 60 / 72))
    x = np.tile(beat, (12, 1)) * np.linspace(0.5, 1.5, 12)[:, None]
    x += np.random.default_rng(0).normal(0.0, 0.01, x.shape)
    return x + mains_mv * np.sin(2 * np.pi * 50.0 * t + 0.3)


@pytest.mark.parametrize("mains_mv", [0.05, 0.0])
@pytest.mark.parametrize("only_present", [True, False])
def test_the_record_is_fitted_once(mains_mv, only_present, monkeypatch):
    # Before, with mains: once per lead in the spike search, and once more for the record (13 fits).
    x = _record(mains_mv)
    freqs = mains.mains_frequencies(FS, (50.0, 60.0))
    assert (mains.mains_lines(x, FS, freqs) == [[f == 50.0 and mains_mv > 0 for f in freqs]] * 12).all()   # as made
    calls = []
    operator = mains._mains_operator                                   # looked up by every windowed fit
    monkeypatch.setattr(mains, "_mains_operator", lambda *a: calls.append(a) or operator(*a))
    out = mains.remove_mains(x, FS, (50.0, 60.0), only_present=only_present)
    # the lines present (50 Hz) for the spike search and, where they are what is subtracted, for the subtraction;
    # every line (not only_present) fitted apart; no line and only those present: nothing to fit
    assert len(calls) == ((1 if mains_mv else 0) if only_present else (2 if mains_mv else 1))
    if mains_mv:                                                       # and the fit made is the one subtracted
        t = np.arange(x.shape[1]) / FS
        inner = slice(int(0.5 * FS), -int(0.5 * FS))
        left = np.abs((x - out) - mains_mv * np.sin(2 * np.pi * 50.0 * t + 0.3))[:, inner].max()
        assert left < (0.01 if only_present else 0.05)                 # every line: some QRS content goes too
