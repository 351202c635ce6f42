"""The app says noise that changes the model's calls where it says the quality findings (the calls line's
"Signal quality: ..." and its tooltip, the quality report's summary), and withholds the calls from 0.15 mV of noise
load (test_quality_noise_calls.py: the rule). The record: the bundled PTB-XL 00417_lr with white noise added here
throughout V1 and V2 (0.3 mV RMS) or V1-V4 (0.07 mV), written with wfdb's own writer."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from test_quality_noise_calls import PTBXL, V1_V4, _write, calling_model, noisy  # noqa: E402,F401 - fixture

from mirage_model.records import load_record  # noqa: E402

pytestmark = pytest.mark.skipif(not PTBXL, reason="bundled samples not present")
WAIT_MS = 60000


@pytest.mark.slow
def test_the_calls_line_says_the_noise_and_withholds_the_calls(qtbot, tmp_path, calling_model):
    rec = load_record(next(p for p in PTBXL if p.stem == "00417_lr"))
    window = shown_window(qtbot, calling_model, size=(1280, 800))
    hea = _write(tmp_path, noisy(rec, [6, 7], 0.3), "withheld")
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(hea)
    qtbot.waitUntil(lambda: window.prediction is not None, timeout=WAIT_MS)
    text = window.results.positive.text()
    too_much = "high-frequency (muscle) noise in leads V1, V2: too much for the model&#x27;s calls"
    assert "Result withheld" in text and too_much in text
    assert "too much for the model's calls" in window.results.positive.toolTip()

    hea = _write(tmp_path, noisy(rec, V1_V4, 0.07), "unconfirmed")
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(hea)
    qtbot.waitUntil(lambda: window.prediction is not None and window.prediction.record_id == "unconfirmed",
                    timeout=WAIT_MS)
    text = window.results.positive.text()
    assert "Above threshold" in text and "Result withheld" not in text
    assert "Signal quality: high-frequency (muscle) noise in leads V1, V2, V3, V4 may change the model&#x27;s " \
           "calls (unconfirmed)" in text
