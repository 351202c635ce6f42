"""The words beside a clinical value's contribution say which way it goes.

A contribution is p(with the value) - p(with it masked) (``review.scoring.clinical_contributions``; its
test compares it with two separate predict calls). The lab form and the PDF had called it the "change in
probability when the value is masked", the opposite sign: walked on CinC 2021 JS45551, a girl of 6, her
age took MI from 69 % (masked) to 2 % and was shown "MI -0.669" under words that read as masking it
lowering MI. And a change that rounds to nothing was printed "-0.000".
"""
from types import SimpleNamespace

import numpy as np

from mirage_model.review.session import READY

LABELS = ("NORM", "MI", "STTC", "CD", "HYP")


def _form_with(qtbot, contributions: dict):
    from app.views.lab_form import LabForm
    from mirage_model.clinical import default_schema

    form = LabForm()
    qtbot.addWidget(form)
    form.set_schema(default_schema().subset(["age", "sex"]))
    form.session = SimpleNamespace(contributions=contributions, prediction=SimpleNamespace(labels=LABELS),
                                   state={"contributions": READY}, errors={})
    form.show_contributions()
    return form


def test_the_form_says_the_probability_with_the_value_minus_with_it_masked(qtbot):
    with_age = np.array([0.06, 0.022, 0.24, 0.21, 0.03])    # p(with age 6)
    masked = np.array([0.06, 0.691, 0.24, 0.21, 0.03])      # p(age masked)
    form = _form_with(qtbot, {"age": (with_age - masked).astype(np.float32)})
    cell = form._rows["age"].contribution
    assert cell.text() == "MI -0.669 (Myocardial infarction)"
    for words in (cell.toolTip(), form.caption.text(), form._heads[5].toolTip()):
        assert "with the value minus with it masked" in words, words
        assert "change in probability when" not in words.lower()
    assert "Myocardial infarction (MI) -0.669" in cell.toolTip()


def test_a_change_that_rounds_to_nothing_has_no_minus_sign(qtbot):
    form = _form_with(qtbot, {"age": np.array([-2e-4, 0.25, 0.0, -0.0, 1e-5], dtype=np.float32)})
    tip = form._rows["age"].contribution.toolTip()
    assert tip.endswith("Normal ECG (NORM) 0.000, Myocardial infarction (MI) +0.250, ST/T change (STTC) 0.000, "
                        "Conduction disturbance (CD) 0.000, Hypertrophy (HYP) 0.000"), tip
    assert "-0.000" not in tip


def test_the_pdf_cells_alike():
    from mirage_model.review.report.clinical_table import _contribution_markup

    assert _contribution_markup(np.array([-2e-4, 0.25, -0.21]), ("NORM", "MI", "STTC")).replace("\u00a0", " ") == \
        "NORM 0.000, MI +0.250, STTC -0.210"


def test_a_statements_models_contribution_is_said_in_the_words_of_its_bars_and_pdf(qtbot):
    """With the statements model the Contribution column read "ABQRS +0.013", a bare code, where its bars' tooltip
    and the PDF say "Abnormal QRS" (PTB-XL's scp_statements.csv: ABQRS "abnormal QRS"). The label and its number
    come first, so that a column too narrow for the words cuts them and keeps the number."""
    from PySide6.QtWidgets import QLabel

    form = _form_with(qtbot, {"age": np.array([0.002, 0.013, -0.004], dtype=np.float32)})
    form.session.prediction = SimpleNamespace(labels=("NORM", "ABQRS", "IRBBB"), ptbxl_labels=True,
                                              label_descriptions={})
    form.show_contributions()
    cell = form._rows["age"].contribution
    assert cell.text() == "ABQRS +0.013 (Abnormal QRS)"
    form.show()
    cell.setFixedWidth(cell.fontMetrics().horizontalAdvance("ABQRS +0.013 (Abn") + 16)
    qtbot.waitUntil(lambda: QLabel.text(cell) != cell.text())
    shown = QLabel.text(cell)     # what the cell draws, cut
    assert shown.startswith("ABQRS +0.013") and shown != cell.text(), shown
    assert "ABQRS +0.013 (Abnormal QRS)" in cell.toolTip()


def test_an_own_models_contribution_in_the_words_its_training_data_gave_it(qtbot):
    form = _form_with(qtbot, {"age": np.array([0.2, -0.3], dtype=np.float32)})
    form.session.prediction = SimpleNamespace(labels=("MI", "QAb"), ptbxl_labels=False,
                                              label_descriptions={"QAb": "Q wave abnormal", "MI": "MI"})
    form.show_contributions()
    assert form._rows["age"].contribution.text() == "QAb -0.300 (Q wave abnormal)"
    form._rows["age"].contribution.setText("")
    form.session.contributions = {"age": np.array([0.4, -0.3], dtype=np.float32)}
    form.show_contributions()
    assert form._rows["age"].contribution.text() == "MI +0.400"     # its "MI" is its own: no PTB-XL words
