"""A superclass model's calls read in one wording wherever they are shown.

The shipped default and MI models (PTB-XL's superclasses) had their bars and the PDF's result table in words
("ST/T change") while page 1's model line said "positive NORM 0.77" and the lab form's Contribution column
"NORM -0.053". The words are Wagner et al. 2020's names of PTB-XL's superclasses, written out here, not read
from the code.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from mirage_model.review.session import READY

LABELS = ("NORM", "MI", "STTC", "CD", "HYP")
WAGNER = {"NORM": "Normal ECG", "MI": "Myocardial infarction", "STTC": "ST/T change",
          "CD": "Conduction disturbance", "HYP": "Hypertrophy"}


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


def test_an_own_models_mi_keeps_its_own_name():
    """A model trained on other data: its "MI" is whatever its labels table meant, never PTB-XL's words."""
    from mirage_model.review.labels import model_words
    from mirage_model.review.report.model_line import model_line

    own = _superclass_pred(ptbxl_labels=False)
    assert model_words(own) == {}
    assert "positive NORM 0.77, STTC 0.60" in model_line(own)



def test_the_pdf_says_the_words(tmp_path, record):
    """A whole report of a superclass model: page 1's model line in words."""
    pypdf = pytest.importorskip("pypdf")
    import mirage_model as mm
    from helpers_models import make_tiny_checkpoint
    from mirage_model.review.report import build_report
    from mirage_model.review.session import ReviewSession

    predictor = mm.Predictor(make_tiny_checkpoint(tmp_path / "sup", name="sup", thresholds=[0.0] * 5), device="cpu")
    s = ReviewSession(record)
    s.set_model(predictor.schema, predictor.name)
    pred = predictor.predict(record, s.model_values(), explain=False)
    assert s.accept_prediction(s.ticket(), pred)
    page1 = " ".join(pypdf.PdfReader(str(build_report(s, tmp_path / "r.pdf"))).pages[0].extract_text().split())
    assert "positive Normal ECG (NORM)" in page1, page1
