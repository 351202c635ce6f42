"""A record opened as the app opens it (``review.opening.session_from_file``: its model inputs, quality check and
measurement) has its mains searched once per signal it reads (``preprocess.mains_search``: the lines each lead
carries and the pacing spikes its fit must not follow). Where the quality check finds mains ("mains" finding) it
subtracts it as the measurement does, from the record less each lead's median (``quality.noise.mains_removed``),
and had searched it once more: of a record of a minute or less, of a longer record's first minute (which the
measurement searches too), and of a record with a calibration pulse (the model's inputs and the check read it
without its pulse). The searches left are of other samples: a longer record whole (the model's inputs), its later
windows (their quality checks) and, with a pulse, the record with its pulse (the measurement reads it so).

Truth: the bundled LUDB record 1 (500 Hz, 10 s) with 0.3 mV of 50 Hz added to every lead, so that the check's
"mains" finding is known to fire; the samples each search reads are told by their length and by the pulse the test
added; the subtraction from the kept search is compared with a search of the check's own copy.
"""

import dataclasses

import numpy as np
import pytest

from mirage_model.paths import resources_dir
from mirage_model.preprocess import mains, remove_mains
from mirage_model.quality.beats import _zeroed
from mirage_model.quality.noise import MAINS_HZ, mains_removed
from mirage_model.records import load_record
from mirage_model.review import opening

PULSE = (0.2, 0.4)           # s: a 1 mV calibration pulse in every lead


def _ludb1(copies: int = 1, pulse: bool = False):
    """LUDB 1, ``copies`` times end to end, with 0.3 mV of 50 Hz in every lead (and a calibration pulse)."""
    rec = load_record(resources_dir() / "samples" / "ludb" / "1.hea")
    x = np.tile(np.array(rec.signal, dtype=np.float64), (1, copies))
    t = np.arange(x.shape[1]) / float(rec.fs)
    x += 0.3 * np.sin(2 * np.pi * 50.0 * t + 0.4 * np.arange(12)[:, None])
    if pulse:
        x[:, int(PULSE[0] * rec.fs):int(PULSE[1] * rec.fs)] += 1.0
    return dataclasses.replace(rec, signal=x.astype(np.float32))


def _opened(rec, monkeypatch) -> tuple[list, object]:
    """The samples (L, T) of every mains search made while ``rec`` is opened, and the session."""
    searched = []
    search = mains.mains_search
    monkeypatch.setattr(mains, "mains_search", lambda x, *a, **k: searched.append(np.array(x)) or search(x, *a, **k))
    monkeypatch.setattr(opening, "load_record", lambda path: rec)
    session = opening.session_from_file(rec.path)
    monkeypatch.setattr(mains, "mains_search", search)
    assert "mains" in {f.code for f in session.quality.findings}      # the check's subtraction was asked for
    return searched, session


def _with_pulse(x: np.ndarray, fs: float) -> bool:
    """Whether (L, T) ``x`` holds the test's pulse: its span stands 1 mV above the 0.2 s before it."""
    a, b = int(PULSE[0] * fs), int(PULSE[1] * fs)
    return float(np.median(x[:, a + 10:b - 10]) - np.median(x[:, :a - 10])) > 0.7


def test_a_record_of_a_minute_or_less_is_searched_once(monkeypatch):
    # before: 2 (the model's inputs and the measurement's, then the quality check's own)
    searched, _ = _opened(_ludb1(), monkeypatch)
    assert [x.shape for x in searched] == [(12, 5000)]


def test_a_longer_record_s_first_minute_is_searched_once(monkeypatch):
    # 70 s: the model's inputs read it whole; the quality check and the measurement its first 60 s, and the
    # check its later windows apart. Before: the first minute twice (the check's, the measurement's)
    searched, session = _opened(_ludb1(copies=7), monkeypatch)
    lengths = sorted(x.shape[1] for x in searched)
    assert lengths.count(30000) == 1 and lengths.count(35000) == 1
    assert session.measurements is not None


def test_a_record_with_a_calibration_pulse_is_searched_once_without_it(monkeypatch):
    # before: 3 (the model's inputs and the quality check each searched the record without its pulse)
    rec = _ludb1(pulse=True)
    searched, session = _opened(rec, monkeypatch)
    assert sorted(_with_pulse(x, rec.fs) for x in searched) == [False, True]    # the measurement's has it
    assert "calibration_pulse" in {f.code for f in session.quality.findings}


@pytest.mark.parametrize("pulse", [False, True])
def test_the_kept_search_subtracts_what_a_search_of_the_check_s_copy_subtracts(pulse):
    """The check's copy is the record less each lead's median: the same lines, spikes and fit (within rounding)."""
    rec = _ludb1(pulse=pulse)
    sig = np.array(rec.signal, dtype=np.float64)
    found = None
    if pulse:
        from mirage_model.quality.pulse import calibration_pulse_step, without_step

        found = calibration_pulse_step(sig, rec.fs)
        sig = without_step(sig, rec.fs, found)
    x = _zeroed(sig)[0]
    own = remove_mains(x, rec.fs, MAINS_HZ, only_present=True)
    kept = mains_removed(rec, x, sig, rec.fs, found)
    assert np.abs(own - x).max() > 0.25                             # the 0.3 mV line is subtracted
    np.testing.assert_allclose(kept, own, rtol=0, atol=1e-9)
