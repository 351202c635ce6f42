"""A PTB-XL model whose checkpoint records no words for its labels (the shipped statements model, any model
trained on PTB-XL before ``mirage train`` recorded them) shows its statements in PTB-XL's words, as a retrained one
does: loaded as the main model, its bars, the PDF's result table and the model lines had shown the bare SCP codes
(NDT, IVCD, LAO/LAE) while the interpretation named them. An own model whose label is "NDT" keeps its label."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from reportlab.platypus import Table

pytestmark = pytest.mark.usefixtures("one_torch_thread")

ROOT = Path(__file__).resolve().parents[1]
STATEMENTS_MODEL = ROOT / "resources" / "models" / "statements"
LUDB1 = ROOT / "resources" / "samples" / "ludb" / "1"
# PTB-XL's scp_statements.csv describes these codes as "non-diagnostic T abnormalities", "non-specific
# intraventricular conduction disturbance (block)", "left atrial overload/enlargement": the interpretation's words
WORDS = {"NDT": "Nonspecific T wave abnormality", "IVCD": "Nonspecific intraventricular conduction delay",
         "LAO/LAE": "Left atrial enlargement", "SR": "Sinus rhythm", "NORM": "Normal ECG"}


def _pdf_words(pred) -> dict[str, str]:
    """The PDF result table's Description column, by class."""
    from mirage_model.review.report.result import result_flowables
    from mirage_model.review.report.styles import styles

    flow = result_flowables(SimpleNamespace(prediction=pred, record=None, session=None), styles(), None)
    rows = next(f for f in flow if isinstance(f, Table))._cellvalues
    return {str(row[0]): str(getattr(row[1], "text", row[1])) for row in rows[1:]}


@pytest.fixture(scope="module")
def stmt_pred():
    from mirage_model.inference import Predictor
    from mirage_model.records import load_record

    assert "label_descriptions" not in json.loads((STATEMENTS_MODEL / "config.json").read_text())
    return Predictor(STATEMENTS_MODEL, quality=False).predict(load_record(LUDB1))


def test_the_shipped_statements_models_pdf_names_its_statements(stmt_pred):
    assert stmt_pred.ptbxl_labels is True
    words = _pdf_words(stmt_pred)
    assert len(words) == 71
    assert {lab: words[lab] for lab in WORDS} == WORDS
    assert all(words.values())          # every one of the 71 is a PTB-XL statement


def test_its_model_line_and_bars_say_the_words(stmt_pred, qtbot):
    from app.views.probability_bars import ProbabilityBars
    from mirage_model.review.labels import model_words
    from mirage_model.review.report.summary_band import model_line

    words = model_words(stmt_pred)
    assert {lab: words[lab] for lab in WORDS} == WORDS
    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    bars.set_prediction(stmt_pred.labels, stmt_pred.probabilities, stmt_pred.thresholds, "", None,
                        stmt_pred.ptbxl_labels, words)
    bars.resize(330, bars.sizeHint().height())       # the results column: the labels alone, words in the tooltip
    assert "NDT Nonspecific T wave abnormality " in bars.spoken()
    bars.grab()
    assert "\nIVCD: Nonspecific intraventricular conduction delay" in bars.toolTip()
    # a superclass model (the shipped default model) is no statements model: its classes by their names
    default = SimpleNamespace(labels=("NORM", "MI"), probabilities=[0.1, 0.9], thresholds=[0.5, 0.5], positive=("MI",),
                              withheld="", model_name="default", ptbxl_labels=True, label_descriptions={})
    assert model_words(default) == {"NORM": "Normal ECG", "MI": "Myocardial infarction"}
    assert "positive Myocardial infarction (MI) 0.90" in model_line(default)


def test_the_app_shows_the_statements_models_words(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from helpers_app import WAIT_MS, shown_window

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    window = shown_window(qtbot, STATEMENTS_MODEL)
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS) as ready:
        window.open_record(str(LUDB1.with_suffix(".hea")))
    pred = ready.args[0]
    bars = window.results.bars
    assert "NDT Nonspecific T wave abnormality " in bars.spoken()
    assert "LAO/LAE Left atrial enlargement " in bars.spoken()
    called = pred.model_positive if pred.withheld else pred.positive
    assert "Sinus rhythm (SR)" in window.results.positive.text() or "SR" not in called


def test_an_own_model_labelled_ndt_keeps_its_label(stmt_pred):
    """An own model's "NDT", "NORM" and "MI" are whatever its labels table meant: no PTB-XL words."""
    from dataclasses import replace

    from mirage_model.review.labels import model_words
    from mirage_model.review.report.summary_band import model_line

    own = replace(stmt_pred, ptbxl_labels=False)       # the same 71 labels, a researcher's own
    assert model_words(own) == {}
    assert set(_pdf_words(own).values()) == {""}
    own = SimpleNamespace(labels=("NDT", "NORM", "MI"), probabilities=[0.9, 0.1, 0.8], thresholds=[0.5] * 3,
                          positive=("NDT", "MI"), withheld="", model_name="own", ptbxl_labels=False,
                          label_descriptions={})
    assert model_words(own) == {}
    assert "positive NDT 0.90, MI 0.80" in model_line(own)


def test_recorded_words_stand_and_bare_recorded_codes_fall_back():
    """A PTB-XL checkpoint's own words are kept; one of `mirage train --task rhythm` before it recorded words
    wrote {"SR": "SR"}: that is no words, and PTB-XL's are shown."""
    from mirage_model.review.labels import model_words

    pred = SimpleNamespace(labels=("SR", "AFIB", "LAFB/LPFB"), ptbxl_labels=True,
                           label_descriptions={"SR": "SR", "AFIB": "Atrial fibrillation (AF)"})
    assert model_words(pred) == {"SR": "Sinus rhythm", "AFIB": "Atrial fibrillation (AF)"}
