"""A superclass model's calls read in one wording wherever they are shown.

The shipped default and MI models (PTB-XL's superclasses) had their bars and the PDF's result table in words
("ST/T change") while page 1's model line said "positive NORM 0.77", the lab form's Contribution column
"NORM -0.053" and the PDF's contributions table "NORM +0.026, MI -0.003, ...". The words are Wagner et al. 2020's
names of PTB-XL's superclasses, written out here, not read from the code.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from mirage_model.review.session import READY

LABELS = ("NORM", "MI", "STTC", "CD", "HYP")
WAGNER = {"NORM": "Normal ECG", "MI": "Myocardial infarction", "STTC": "ST/T change",
          "CD": "Conduction disturbance", "HYP": "Hypertrophy"}
NBSP = "\u00a0"


def _superclass_pred(**kw):
    base = dict(labels=LABELS, probabilities=[0.77, 0.1, 0.6, 0.1, 0.1], thresholds=[0.4, 0.5, 0.3, 0.35, 0.35],
                positive=("NORM", "STTC"), withheld="", model_name="default", ptbxl_labels=True,
                label_descriptions={})
    return SimpleNamespace(**{**base, **kw})


def test_the_model_line_and_the_lab_form_say_the_bars_words(qtbot):
    from app.views.lab_form import LabForm
    from app.views.probability_bars import ProbabilityBars
    from mirage_model.clinical import default_schema
    from mirage_model.review.labels import model_words
    from mirage_model.review.report.model_line import model_line

    pred = _superclass_pred()
    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    bars.set_prediction(pred.labels, pred.probabilities, pred.thresholds, "", None, True, model_words(pred))
    assert {lab: bars.full_name(lab) for lab in LABELS} == WAGNER
    line = model_line(pred)
    assert "positive Normal ECG (NORM) 0.77, ST/T change (STTC) 0.60" in line, line

    form = LabForm()
    qtbot.addWidget(form)
    form.set_schema(default_schema().subset(["age", "sex"]))
    form.session = SimpleNamespace(contributions={"age": np.array([-0.053, 0.01, 0.02, 0.0, -0.001])},
                                   prediction=pred, state={"contributions": READY}, errors={})
    form.show_contributions()
    cell = form._rows["age"].contribution
    assert cell.text() == "NORM -0.053 (Normal ECG)"
    assert ("Normal ECG (NORM) -0.053, Myocardial infarction (MI) +0.010, ST/T change (STTC) +0.020, "
            "Conduction disturbance (CD) 0.000, Hypertrophy (HYP) -0.001") in cell.toolTip()


def test_an_own_models_mi_keeps_its_own_name():
    """A model trained on other data: its "MI" is whatever its labels table meant, never PTB-XL's words."""
    from mirage_model.review.labels import model_words
    from mirage_model.review.report.model_line import model_line

    own = _superclass_pred(ptbxl_labels=False)
    assert model_words(own) == {}
    assert "positive NORM 0.77, STTC 0.60" in model_line(own)


def test_the_pdf_contributions_break_between_classes_only():
    from mirage_model.review.labels import model_words
    from mirage_model.review.report.clinical_table import _contribution_markup

    pred = _superclass_pred()
    markup = _contribution_markup(np.array([0.026, -0.003, -0.0002, 0.008, -0.002]), LABELS, model_words(pred))
    items = markup.split(", ")
    assert items == [f"Normal{NBSP}ECG{NBSP}(NORM){NBSP}+0.026", f"Myocardial{NBSP}infarction{NBSP}(MI){NBSP}-0.003",
                     f"ST/T{NBSP}change{NBSP}(STTC){NBSP}0.000", f"Conduction{NBSP}disturbance{NBSP}(CD){NBSP}+0.008",
                     f"Hypertrophy{NBSP}(HYP){NBSP}-0.002"]


def test_a_model_of_many_classes_names_those_a_value_moved_and_counts_the_rest():
    """The statements model's 71 classes in words would run to a page column per value; those left at 0.000 are
    counted. 14 labels here, three moved: 11 others."""
    from mirage_model.review.labels import SPELLED_OUT, changes_said

    labels = ("NORM", "NDT", "SR") + tuple(f"X{k}" for k in range(11))
    assert len(labels) > SPELLED_OUT
    delta = np.zeros(len(labels))
    delta[[0, 1, 2]] = (-0.025, 0.001, 0.0006)
    words = {"NORM": "Normal ECG", "NDT": "Nonspecific T wave abnormality", "SR": "Sinus rhythm"}
    assert changes_said(delta, labels, words) == ("Normal ECG (NORM) -0.025, Nonspecific T wave abnormality (NDT) "
                                                  "+0.001, Sinus rhythm (SR) +0.001, 11 other classes 0.000")
    assert changes_said(np.zeros(len(labels)), labels, words) == "all 14 classes 0.000"
    delta[3] = 0.3
    assert changes_said(delta, labels, words).endswith("X0 +0.300, 10 other classes 0.000")


def test_the_pdf_says_the_words(tmp_path, record):
    """A whole report of a superclass model: page 1's model line and page 3's contributions in words."""
    pypdf = pytest.importorskip("pypdf")
    import mirage_model as mm
    from helpers_models import make_tiny_checkpoint
    from mirage_model.review.report import build_report
    from mirage_model.review.session import ReviewSession

    predictor = mm.Predictor(make_tiny_checkpoint(tmp_path / "sup", name="sup", thresholds=[0.0] * 5), device="cpu")
    s = ReviewSession(record)
    s.set_model(predictor.schema, predictor.name)
    values = s.model_values()
    pred = predictor.predict(record, values, explain=False)
    contributions = {name: np.array([0.026, -0.003, -0.004, 0.008, -0.002]) for name in values}
    assert s.accept_prediction(s.ticket(), pred, contributions)
    out = build_report(s, tmp_path / "r.pdf")
    pages = [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(str(out)).pages]
    assert "positive Normal ECG (NORM)" in pages[0], pages[0]
    text = " ".join(pages).replace(NBSP, " ")
    assert "Normal ECG (NORM) +0.026, Myocardial infarction (MI) -0.003, ST/T change (STTC) -0.004" in text
    assert "NORM +0.026" not in text
