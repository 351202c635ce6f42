"""The app's results panel marks a class call read off amplitudes in doubt: HYP on a record at five
times its gain is "HYP (?)" in the class bars and above threshold, with the interpretation's words
for why. Truth: PTB-XL 00417 (shipped) with its samples multiplied by 5, which the quality check
names "amplitude_high" (a warning: the calls stand), against the same record unmodified."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from helpers_app import WAIT_MS, clean_and_scaled, isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from helpers_models import make_tiny_checkpoint  # noqa: E402

NOTE = "HYP (?): unreliable: amplitudes in doubt (beats taller than a heart gives in every lead"


@pytest.fixture(scope="module")
def low_threshold_model(tmp_path_factory):
    # thresholds near 0: every class is a call, HYP among them
    return make_tiny_checkpoint(tmp_path_factory.mktemp("amp") / "m", thresholds=[0.001] * 5)


@pytest.fixture
def pair(tmp_path):
    """(clean, x5): 00417_lr written as WFDB as it is and at five times its gain."""
    return clean_and_scaled(tmp_path, 5.0, "tall")


def _plain(label) -> str:
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setHtml(label.text())
    return " ".join(doc.toPlainText().split())


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_the_results_panel_marks_hyp_on_the_record_at_five_times_its_gain(qtbot, low_threshold_model, pair):
    window = shown_window(qtbot, low_threshold_model)
    clean, tall = pair
    shown = {}
    for name, path in (("tall", tall), ("clean", clean)):
        with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
            window.open_record(path)
        pred = window.session.prediction
        assert set(pred.positive) == {"NORM", "MI", "STTC", "CD", "HYP"} and not pred.withheld
        assert pred.quality.has("amplitude_high") == (name == "tall")
        shown[name] = (_plain(window.results.positive), dict(window.results.bars.doubted))
    text, bars = shown["tall"]
    calls = ("Above threshold: Normal ECG (NORM), Myocardial infarction (MI), ST/T change (STTC), "
             "Conduction disturbance (CD), Hypertrophy (HYP)")     # the bars' words (Wagner et al. 2020)
    assert calls + " (?)" in text and NOTE in text, text
    assert list(bars) == ["HYP"] and bars["HYP"].startswith(NOTE.removeprefix("HYP (?): "))
    text, bars = shown["clean"]
    assert calls in text and "(?)" not in text and bars == {}, text
