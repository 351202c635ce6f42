"""The measurement's mains-free copy of a record (``measure.pipeline.mains_subtracted``) is made once per record:
the app's record-load job measures the record's first minute (``review.opening.measure_head``) and its model job
brings the same minute to 100 Hz for the measured-rhythm stage (``features.at_feature_rate``), and each had fitted
the mains and searched the pacing spikes (``preprocess.mains._spike_mask``) of it again."""

import dataclasses
import threading
import time

import numpy as np

from mirage_model.measure.features import at_feature_rate
from mirage_model.paths import resources_dir
from mirage_model.preprocess import mains
from mirage_model.records import load_record
from mirage_model.records.record import found_once
from mirage_model.review.opening import measure_head

WITH_LINE = (6, 7, 8)        # V1-V3: 0.05 mV of 50 Hz added


def _ludb1_with_mains():
    """The bundled LUDB record 1 (500 Hz, 10 s) with 0.05 mV of 50 Hz in V1-V3 (a line those leads carry)."""
    rec = load_record(resources_dir() / "samples" / "ludb" / "1.hea")
    x = np.array(rec.signal, dtype=np.float64)
    t = np.arange(x.shape[1]) / float(rec.fs)
    x[list(WITH_LINE)] += 0.05 * np.sin(2 * np.pi * 50.0 * t)
    return dataclasses.replace(rec, signal=x.astype(rec.signal.dtype))


def _fresh(rec):
    """The same samples in a record of its own (nothing kept on it)."""
    return dataclasses.replace(rec, signal=np.array(rec.signal))


def test_the_measurement_and_the_rhythm_stage_fit_a_record_once(monkeypatch):
    # Before: 2 searches (one per job), the stage's copy made apart from the measurement's
    rec = _ludb1_with_mains()
    searched = []
    mask = mains._spike_mask
    monkeypatch.setattr(mains, "_spike_mask", lambda *a, **k: searched.append(1) or mask(*a, **k))
    m = measure_head(rec)
    low = at_feature_rate(rec)
    assert len(searched) == 1
    # the leads given the line are among those the measurement names as carrying one (LUDB's own 1-5 uV lines too)
    assert {rec.sig_name[i] for i in WITH_LINE} <= set(m.mains_leads)
    monkeypatch.setattr(mains, "_spike_mask", mask)
    assert np.array_equal(low.signal, at_feature_rate(_fresh(rec)).signal)   # as a fit of its own gives it


def test_a_signal_edited_in_place_is_fitted_again():
    rec = _ludb1_with_mains()
    first = at_feature_rate(rec).signal
    t = np.arange(rec.signal.shape[1]) / float(rec.fs)
    rec.signal[0] += (0.2 * np.sin(2 * np.pi * 60.0 * t)).astype(rec.signal.dtype)   # a 60 Hz line in I, in place
    again = at_feature_rate(rec).signal
    assert not np.array_equal(first, again)
    assert np.array_equal(again, at_feature_rate(_fresh(rec)).signal)


def test_two_threads_asking_at_once_make_it_once():
    rec = _ludb1_with_mains()
    made, got = [], []

    def make():
        made.append(1)
        time.sleep(0.2)
        return len(made)

    threads = [threading.Thread(target=lambda: got.append(found_once(rec, "probe", make))) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert made == [1] and got == [1, 1]
