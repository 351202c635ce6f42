"""The measurement's mains-free copy of a record (``measure.pipeline.mains_subtracted``) is made once per record:
the app's record-load job measures the record's first minute (``review.opening.measure_head``) and its model job
brings the same minute to 100 Hz for the measured-rhythm stage (``features.at_feature_rate``), and each had fitted
the mains and searched the pacing spikes (``preprocess.mains._spike_mask``) of it again. The model's inputs of a
record of a minute or less read the same search (``preprocess.record_mains_search``), which they had made again.
What is kept is made under a lock of its record's (``records.record.found_once``), not one for every record."""

import dataclasses
import threading
import time

import numpy as np

from mirage_model.inference import record_inputs
from mirage_model.measure.features import at_feature_rate
from mirage_model.paths import resources_dir
from mirage_model.preprocess import PreprocessConfig, mains, model_inputs
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


def test_a_record_opened_as_the_app_opens_it_is_searched_once(monkeypatch):
    # Before: twice (the model's inputs, then the measurement), 'assert 2 == 1'
    rec = _ludb1_with_mains()
    searched = []
    mask = mains._spike_mask
    monkeypatch.setattr(mains, "_spike_mask", lambda *a, **k: searched.append(1) or mask(*a, **k))
    # the load job's preparation, its quality check left out: where it finds mains (this record's 0.05 mV) it
    # subtracts the line from its own copy of the first minute, each lead's median taken off
    made = record_inputs(rec, quality=False)
    m = measure_head(rec)                       # its measurement
    at_feature_rate(rec)                        # the model job's measured-rhythm stage
    assert len(searched) == 1
    assert {rec.sig_name[i] for i in WITH_LINE} <= set(m.mains_leads)
    monkeypatch.setattr(mains, "_spike_mask", mask)
    alone = model_inputs(np.array(rec.signal), rec.fs, PreprocessConfig())     # searched by itself
    assert np.array_equal(made.inputs.signal, alone.signal) and np.array_equal(made.inputs.image, alone.image)


def test_two_records_are_made_at_the_same_time():
    # Before, one lock for every record: B's make waited for A's, which waited for B's (its 10 s guard ran out)
    a, b = _ludb1_with_mains(), _ludb1_with_mains()
    inside_a, b_made = threading.Event(), threading.Event()
    got = {}

    def make_a():
        inside_a.set()
        return b_made.wait(timeout=10)          # the guard against a deadlock: True only if B was made meanwhile

    def make_b():
        b_made.set()
        return "b"

    first = threading.Thread(target=lambda: got.update(a=found_once(a, "probe", make_a)))
    first.start()
    assert inside_a.wait(timeout=10)
    second = threading.Thread(target=lambda: got.update(b=found_once(b, "probe", make_b)))
    second.start()
    first.join()
    second.join()
    assert got == {"a": True, "b": "b"}
