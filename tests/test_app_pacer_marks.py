"""The window's pacer marks without a model: the quality report that places them came only with a
model's prediction, so a paced record opened with no model (none chosen, or one that failed to
load: ``mirage-review --model`` naming a missing folder) showed no marks. The record-load job now
assesses the record when no model will, and a model's run still assesses each record once.

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
    """With a model the prediction's report brings the marks: the load job does not assess too."""
    from mirage_model import inference

    calls: list = []
    real = inference.assess_record

    def counted(record, *args, **kwargs):
        calls.append(record.record_id)
        return real(record, *args, **kwargs)

    monkeypatch.setattr(inference, "assess_record", counted)
    hea, truth = paced_file
    window = shown_window(qtbot, tiny_model)
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        window.open_record(hea)
    qtbot.waitUntil(lambda: window.load_worker is None, timeout=WAIT_MS)
    assert calls == ["paced"], calls
    got = _marked_times(window.viewer.plot)
    assert len(got) == len(truth) and np.abs(got - truth).max() <= 0.002
