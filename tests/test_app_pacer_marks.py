"""The window's pacer marks without a model: the quality report that places them came only with a
model's prediction, so a paced record opened with no model (none chosen, or one that failed to
load: ``mirage-review --model`` naming a missing folder) showed no marks. The record-load job now
assesses the record (with a model, as the model prepares it: the model's run reuses that report and
those inputs), so the marks come with the model image and each record is assessed once.

Truth: stimuli written into a real record (LUDB 1, no pacemaker) at known times (``paced`` of
test_pacer_marks), saved as a WFDB record and opened as a user would."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")
wfdb = pytest.importorskip("wfdb")

from helpers_app import WAIT_MS, isolated_settings, shown_window, tiny_model  # noqa: E402,F401 - fixtures
from test_pacer_marks import paced  # noqa: E402,F401 - fixture


@pytest.fixture
def paced_file(paced, tmp_path):
    """``paced`` written as the WFDB record tmp_path/paced (.hea, .dat); (header, stimulus times s)."""
    rec, truth, _q = paced
    wfdb.wrsamp("paced", fs=rec.fs, units=["mV"] * 12, sig_name=list(rec.sig_name),
                p_signal=np.asarray(rec.signal, dtype=np.float64).T, fmt=["16"] * 12, write_dir=str(tmp_path))
    return tmp_path / "paced.hea", truth


def _marked_times(plot) -> np.ndarray:
    return np.asarray(plot.pacer_times, dtype=np.float64)


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_a_paced_record_is_marked_with_no_model(qtbot, paced_file):
    hea, truth = paced_file
    window = shown_window(qtbot)
    assert window.predictor is None and not window._model_loading
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(hea)
    plot = window.viewer.plot
    qtbot.waitUntil(lambda: len(plot.pacer_mark_positions()) > 0, timeout=20000)
    got = _marked_times(plot)
    assert len(got) == len(truth) and np.abs(got - truth).max() <= 0.002
    assert plot.pacer_marks.isVisible()
    assert plot.overlay_text.startswith("teal ticks: pacing stimuli")
    assert window.session.prediction is None


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_a_paced_record_is_marked_when_the_model_fails_to_load(qtbot, paced_file, tmp_path):
    """Opened while a model (a missing folder) was loading: no mark came when it failed."""
    hea, truth = paced_file
    window = shown_window(qtbot)
    window.load_model(str(tmp_path / "no-such-model"))
    window.open_record(hea)
    qtbot.waitUntil(lambda: window.model_worker is None and window.load_worker is None, timeout=WAIT_MS)
    assert window.predictor is None and window.model_error
    plot = window.viewer.plot
    qtbot.waitUntil(lambda: len(plot.pacer_mark_positions()) > 0, timeout=20000)
    got = _marked_times(plot)
    assert len(got) == len(truth) and np.abs(got - truth).max() <= 0.002


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_a_model_run_assesses_each_record_once(qtbot, paced_file, tiny_model, monkeypatch):
    """With a model the load job's report is the prediction's: the record is not assessed twice."""
    from mirage_model import inference

    calls: list = []
    real = inference.assess_record

    def counted(record, *args, **kwargs):
        calls.append(record.record_id)
        return real(record, *args, **kwargs)

    monkeypatch.setattr(inference, "assess_record", counted)
    monkeypatch.setattr(inference.inputs, "assess_record", counted)
    hea, truth = paced_file
    window = shown_window(qtbot, tiny_model)
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        window.open_record(hea)
    qtbot.waitUntil(lambda: window.load_worker is None, timeout=WAIT_MS)
    assert calls == ["paced"], calls
    got = _marked_times(window.viewer.plot)
    assert len(got) == len(truth) and np.abs(got - truth).max() <= 0.002


@pytest.fixture
def counted_steps(monkeypatch):
    """Counts of the two costly steps of preparing a record, wherever they are called from: the
    model inputs (``preprocess.windows.model_inputs``, as the load job and ``inference.inputs`` call it) and the
    quality assessment (``quality.assess``, as ``inference.inputs`` calls it)."""
    from mirage_model import inference, preprocess

    calls = {"model_inputs": 0, "assess": 0}

    def counting(name, real):
        def call(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(preprocess.windows, "model_inputs", counting("model_inputs", preprocess.windows.model_inputs))
    monkeypatch.setattr(inference.inputs, "model_inputs", counting("model_inputs", inference.inputs.model_inputs))
    monkeypatch.setattr(inference.inputs, "assess", counting("assess", inference.inputs.assess))
    return calls


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_with_a_model_a_record_is_prepared_once_and_marked_before_the_result(
        qtbot, paced_file, tiny_model, counted_steps, monkeypatch):
    """The load job prepared the record (model image) and the model job prepared it again; the
    marks came only with the model's result. Now the model job reuses the load job's inputs and
    quality report (made with the model's configs), which draw the marks before the result."""
    import threading

    from app import jobs

    hea, truth = paced_file
    window = shown_window(qtbot, tiny_model)
    release = threading.Event()
    real_compute = jobs.compute

    def held_compute(*args, **kwargs):     # the model's result waits until the marks were checked
        release.wait(WAIT_MS / 1000)
        return real_compute(*args, **kwargs)

    monkeypatch.setattr(jobs, "compute", held_compute)
    try:
        window.open_record(hea)
        plot = window.viewer.plot
        qtbot.waitUntil(lambda: len(plot.pacer_mark_positions()) > 0, timeout=20000)
        assert window.session.prediction is None
        got = _marked_times(plot)
        assert len(got) == len(truth) and np.abs(got - truth).max() <= 0.002
    finally:
        release.set()
    qtbot.waitUntil(lambda: window.session.prediction is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.load_worker is None, timeout=WAIT_MS)
    assert counted_steps == {"model_inputs": 1, "assess": 1}, counted_steps
    pred = window.session.prediction
    assert pred.quality is window.record_quality()          # the report the marks came from
    assert window.session.inputs is window.session.prepared.inputs
    # the same result as the model preparing the record itself
    alone = window.predictor.predict(window.session.record, window.session.model_values())   # explained, as the app
    np.testing.assert_array_equal(pred.probabilities, alone.probabilities)
    got = _marked_times(plot)
    assert len(got) == len(truth) and np.abs(got - truth).max() <= 0.002


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_a_model_loaded_after_the_record_reuses_its_preparation(qtbot, paced_file, tiny_model, counted_steps):
    """Opened with no model (prepared with the default configs, which the tiny model has), then a
    model loaded: its first result needs no preparation of its own (it made the model image once
    more and prepared the record again)."""
    hea, _truth = paced_file
    window = shown_window(qtbot)
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(hea)
    qtbot.waitUntil(lambda: window.load_worker is None, timeout=WAIT_MS)
    assert counted_steps == {"model_inputs": 1, "assess": 1}, counted_steps
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        window.load_model(str(tiny_model))
    assert counted_steps == {"model_inputs": 1, "assess": 1}, counted_steps
    assert window.session.prediction.quality is window.record_quality()


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_a_model_that_prepares_otherwise_prepares_the_record_for_itself(qtbot, paced_file, counted_steps,
                                                                         tmp_path):
    """Opened with no model (default configs), then a model whose checkpoint filters otherwise
    (a 1 Hz high-pass): the no-model preparation is not reused; the record is prepared once more,
    with the model's configs, for its image and its result alike (it was twice more)."""
    from helpers_models import make_tiny_checkpoint
    from mirage_model.preprocess import PreprocessConfig, model_inputs

    other = make_tiny_checkpoint(tmp_path / "other", clinical=("age", "sex"), preprocess=PreprocessConfig(low_hz=1.0))
    hea, _truth = paced_file
    window = shown_window(qtbot)
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(hea)
    qtbot.waitUntil(lambda: window.load_worker is None, timeout=WAIT_MS)
    default_image = window.session.inputs.image
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        window.load_model(str(other))
    assert window.predictor.preprocess_cfg.low_hz == 1.0
    assert counted_steps == {"model_inputs": 2, "assess": 2}, counted_steps
    rec = window.session.record
    own = model_inputs(rec.signal, rec.fs, window.predictor.preprocess_cfg, window.predictor.render_cfg)
    np.testing.assert_array_equal(window.session.inputs.image, own.image)      # the model's own image
    assert not np.array_equal(default_image, own.image)
    assert window.session.prepared.key == window.predictor.prepare_key
    alone = window.predictor.predict(rec, window.session.model_values())
    np.testing.assert_array_equal(window.session.prediction.probabilities, alone.probabilities)


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_a_record_opened_without_a_model_is_assessed_once(qtbot, paced_file, monkeypatch):
    """Opened while a model was loading that failed once the traces were drawn but before the
    record-load job had assessed the record: the window assessed it again in a job of its own, as
    well as the load job (twice). The load job's report is the record's one report: once."""
    import threading

    from PySide6.QtCore import QThreadPool

    from app import jobs
    from mirage_model import inference

    calls: list = []
    real_assess, real_inputs = inference.assess_record, inference.record_inputs
    drawn, failed = threading.Event(), threading.Event()

    def counted(record, *args, **kwargs):
        calls.append(record.record_id)
        return real_assess(record, *args, **kwargs)

    def held_inputs(*args, **kwargs):      # the load job prepares only once the model has failed
        failed.wait(WAIT_MS / 1000)
        return real_inputs(*args, **kwargs)

    def failing_model(ctx, path, *args, **kwargs):     # fails once the record is on screen
        drawn.wait(WAIT_MS / 1000)
        raise RuntimeError(f"{path}: not a checkpoint")

    monkeypatch.setattr(inference, "assess_record", counted)
    monkeypatch.setattr(inference.inputs, "assess_record", counted)
    monkeypatch.setattr(inference, "record_inputs", held_inputs)
    monkeypatch.setattr(jobs, "load_models_job", failing_model)
    hea, truth = paced_file
    window = shown_window(qtbot)
    window.recordLoaded.connect(lambda _rec: drawn.set())
    window.modelFinished.connect(failed.set)
    window.load_model("broken-model")
    window.open_record(hea)
    qtbot.waitUntil(lambda: window.model_worker is None and window.load_worker is None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=WAIT_MS)
    assert drawn.is_set() and failed.is_set()
    assert window.predictor is None and "not a checkpoint" in window.model_error
    assert calls == ["paced"], calls
    got = _marked_times(window.viewer.plot)
    assert len(got) == len(truth) and np.abs(got - truth).max() <= 0.002


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_a_record_whose_assessment_fails_is_prepared_and_assessed_once(qtbot, paced_file, counted_steps,
                                                                         monkeypatch):
    """The quality assessment raising in the record-load job: the job preprocessed the record again
    for the model image and assessed it again (twice each), and the window a third time. Now the
    inputs made before the assessment are shown, and the failed assessment is not repeated."""
    from mirage_model import inference

    def broken(*args, **kwargs):
        counted_steps["assess"] += 1
        raise ValueError("cannot assess this record")

    monkeypatch.setattr(inference.inputs, "assess", broken)
    hea, _truth = paced_file
    window = shown_window(qtbot)
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(hea)
    qtbot.waitUntil(lambda: window.load_worker is None, timeout=WAIT_MS)
    from PySide6.QtCore import QThreadPool
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=WAIT_MS)
    assert counted_steps == {"model_inputs": 1, "assess": 1}, counted_steps
    rec = window.session.record
    own = inference.model_inputs(rec.signal, rec.fs)
    np.testing.assert_array_equal(window.session.inputs.image, own.image)   # the model image still shown
    assert window.record_quality() is None and len(window.viewer.plot.pacer_mark_positions()) == 0
    assert window.session.measurements is not None
