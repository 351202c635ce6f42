"""The interpretation in the app's results panel: the statements model that runs beside the loaded
model (``--statements-model``), each statement with its source, the model of the classes and the
model of the statements both named; one patient's statements never shown for the next."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings, tiny_model  # noqa: E402,F401 - fixtures
from helpers_models import make_tiny_checkpoint  # noqa: E402
from app.main_window import MainWindow  # noqa: E402
from app.settings import Settings  # noqa: E402
import mirage_model as mm  # noqa: E402
from mirage_model.paths import resources_dir  # noqa: E402
from mirage_model.review.interpret import session_interpretation  # noqa: E402

A = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"
B = resources_dir() / "samples" / "ludb" / "14.hea"
pytestmark = pytest.mark.skipif(not (A.is_file() and B.is_file()), reason="bundled samples not present")
WAIT_MS = 60000
# sinus rhythm always above threshold (0.0), the rest never (1.01)
LABELS = ("SR", "AFIB", "1AVB", "CLBBB", "NORM")


@pytest.fixture(scope="module")
def statements_model(tmp_path_factory):
    return make_tiny_checkpoint(tmp_path_factory.mktemp("models") / "stmt", labels=LABELS,
                                thresholds=(0.0, 1.01, 1.01, 1.01, 1.01), name="tiny-statements")


def _window(qtbot, model, statements) -> MainWindow:
    settings = Settings()
    settings.model_path = ""
    window = MainWindow(settings, model_path=str(model))
    window.statements_model_arg = statements
    window.resize(1280, 800)
    qtbot.addWidget(window)
    window.show()
    window.load_model()
    qtbot.waitUntil(lambda: window.model_worker is None, timeout=WAIT_MS)
    return window


def _open(qtbot, window, path) -> str:
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(str(path))
    return window.results.interpretation.text.text()


def test_statements_model_beside_the_loaded_model(qtbot, tiny_model, statements_model):
    window = _window(qtbot, tiny_model, str(statements_model))
    assert window.statements_predictor is not None and window.statements_predictor.name == "tiny-statements"
    assert "Interpretation statements: model <b>tiny-statements</b>" in window.results.model_label.text()
    for path in (A, B):
        html = _open(qtbot, window, path)
        session = window.session
        stmts = session.statements_prediction
        assert stmts is not None and stmts.record_id == session.record_id
        # the statements model's prediction for this patient's values, as a direct call gives it
        direct = mm.Predictor(statements_model, device="cpu").predict(session.record, session.model_values(),
                                                                        explain=False)
        assert list(stmts.probabilities) == pytest.approx(list(direct.probabilities), abs=1e-5)
        it = session_interpretation(session)
        assert it.statements and it.statements[0].text.startswith("Sinus rhythm")
        assert it.statements[0].source == "model" and it.model_name == "tiny-statements"
        for s in it.statements:
            assert s.text.split(" (")[0] in html
        # the source tag of a model statement: the tiny checkpoint has no calibration, so no confidence word
        assert "[model " in html and "uncalibrated]" in html
        assert ("Statements: model <b>tiny-statements</b>; class probabilities below: model "
                "<b>tiny-random-mirage-multilabel</b>") in html
        hr = session.measurements.heart_rate_bpm
        assert f"Sinus rhythm, {hr:.0f} bpm" in html


def test_without_a_statements_model_the_rules_alone(qtbot, tiny_model):
    window = _window(qtbot, tiny_model, "none")
    assert window.statements_predictor is None
    assert "Interpretation statements" not in window.results.model_label.text()
    html = _open(qtbot, window, B)
    assert window.session.statements_prediction is None
    assert "Sinus rhythm" not in html and "Rhythm not classified" in html
    assert "Statements: the measurement rules alone (no statements model ran)." in html


def test_a_statements_model_that_fails_to_load_is_named(qtbot, tiny_model, tmp_path):
    window = _window(qtbot, tiny_model, str(tmp_path / "missing"))
    assert window.predictor is not None and window.statements_predictor is None
    assert "No statements model: missing" in window.results.model_label.text()
    html = _open(qtbot, window, A)
    assert "Rhythm not classified" in html


def test_the_model_line_says_when_the_model_averages_noisy_copies(qtbot, tmp_path):
    from mirage_model.averaging import NoiseAverage
    from mirage_model.checkpoint import load_checkpoint, save_checkpoint
    src = load_checkpoint(make_tiny_checkpoint(tmp_path / "src", seed=3))
    model = save_checkpoint(tmp_path / "avg", src.model, model_type=src.model_type, task=src.task, labels=src.labels,
                            schema=src.schema, preprocess=src.preprocess, render=src.render,
                            thresholds=src.thresholds, name="tiny-averaged", noise_average=NoiseAverage(4, 0.03))
    window = _window(qtbot, model, "none")
    assert "Scoring: mean of 4 copies with 0.03 mV in-band noise" in window.results.model_label.text()
    _open(qtbot, window, A)
    assert window.session.prediction is not None
    plain = _window(qtbot, tmp_path / "src", "none")
    assert "Scoring:" not in plain.results.model_label.text()


def test_the_model_line_shows_checkpoint_text_as_text_not_markup(qtbot, tmp_path):
    from mirage_model.checkpoint import load_checkpoint, save_checkpoint
    src = load_checkpoint(make_tiny_checkpoint(tmp_path / "src", seed=3))
    model = save_checkpoint(tmp_path / "odd", src.model, model_type=src.model_type, task=src.task, labels=src.labels,
                            schema=src.schema, preprocess=src.preprocess, render=src.render,
                            thresholds=src.thresholds, name="tiny <i>odd</i>",
                            provenance={"data": "folder:<b>labs & more</b>"})
    window = _window(qtbot, model, "none")
    text = window.results.model_label.text()
    assert "tiny &lt;i&gt;odd&lt;/i&gt;" in text and "<i>" not in text
    assert "folder:&lt;b&gt;labs &amp; more&lt;/b&gt;" in text


def test_a_record_with_a_dropout_is_measured_and_its_leads_say_how_much_is_missing(qtbot, tiny_model, tmp_path):
    """A file with 0.4 s missing in every lead (a loose cable): the leads read '4% missing', not 'missing', the
    message names the share, and the measurements come from the stretch after the gap."""
    import numpy as np
    import wfdb

    src = wfdb.rdrecord(str(A.with_suffix("")))
    x = src.p_signal.copy()
    x[200:240, :] = np.nan                                        # 0.4 s at 100 Hz, every lead
    wfdb.wrsamp("gap", fs=src.fs, units=src.units, sig_name=src.sig_name, p_signal=x, fmt=["16"] * 12,
                adc_gain=[1000.0] * 12, baseline=[0] * 12, write_dir=str(tmp_path))
    window = _window(qtbot, tiny_model, "none")
    _open(qtbot, window, tmp_path / "gap.hea")
    assert "samples missing: I, II, III, aVR, aVL, aVF, V1, V2, V3, V4, V5, V6 (4% missing)" \
        in window.message_bar.text()
    plot = window.viewer.plot       # a full-width panel carries its flags after the name, a column at its foot
    labels = [(foot if foot.isVisible() else lab).toPlainText() for lab, foot in zip(plot.labels, plot.flag_labels)
              if lab.isVisible()]
    assert labels and all(re.search(r"\[(\w+: )?4% missing\]$", lab) for lab in labels)     # a foot names its lead
    m = window.session.measurements
    assert m.heart_rate_bpm is not None and m.qrs_ms is not None
    assert any(n.startswith("measured on 2.4-10.0 s") for n in m.notes)
