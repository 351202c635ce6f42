"""A model trained on a researcher's own labels shows them as they are named: its "MI" had been shown as PTB-XL's
"Myocardial infarction" (the superclass table's words) in the app's bars and the PDF's result table, whatever
the researcher's labels table meant by it. Models trained on PTB-XL keep PTB-XL's words."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from reportlab.platypus import Table

from helpers_models import TINY_LABELS, make_tiny_checkpoint, synthetic_record
from mirage_model.checkpoint.format import trained_on_ptbxl

PTBXL_WORDS = {"NORM": "Normal ECG", "MI": "Myocardial infarction", "STTC": "ST/T change",
               "CD": "Conduction disturbance", "HYP": "Hypertrophy"}      # PTB-XL's scp_statements.csv classes
OWN = {"data": "folder:mydata", "data_kind": "folder", "labels_file": "labels.csv"}
PTBXL = {"data": "ptbxl:ptbxl", "data_kind": "ptbxl", "splits": "PTB-XL strat_fold 1-8 train, 9 val, 10 test"}


def _checkpoint(folder: Path, provenance: dict) -> Path:
    """A tiny checkpoint of PTB-XL's five superclass labels whose provenance says what it was trained on."""
    make_tiny_checkpoint(folder, labels=TINY_LABELS)
    doc = json.loads((folder / "config.json").read_text())
    doc["provenance"].update(provenance)
    (folder / "config.json").write_text(json.dumps(doc))
    return folder


@pytest.fixture(scope="module")
def predictions(tmp_path_factory):
    from mirage_model.inference import Predictor

    base = tmp_path_factory.mktemp("words")
    return {name: Predictor(_checkpoint(base / name, prov), quality=False).predict(synthetic_record())
            for name, prov in (("own", OWN), ("ptbxl", PTBXL))}


def test_what_a_model_was_trained_on_is_read_from_its_provenance():
    shipped = Path(__file__).resolve().parents[1] / "resources" / "models"
    for name in ("default", "mi", "statements"):      # older than data_kind: PTB-XL's fold splits say it
        assert trained_on_ptbxl(json.loads((shipped / name / "config.json").read_text())["provenance"]) is True
    assert trained_on_ptbxl(OWN) is False and trained_on_ptbxl({"data": "folder:mydata"}) is False
    assert trained_on_ptbxl({"data": "challenge:cinc2021"}) is False and trained_on_ptbxl(PTBXL) is True
    assert trained_on_ptbxl({}) is None and trained_on_ptbxl({"data": "none (random weights, tests only)"}) is None


def _descriptions(pred) -> dict[str, str]:
    """The PDF result table's Description column, by class."""
    from mirage_model.review.report.result import result_flowables
    from mirage_model.review.report.styles import styles

    flow = result_flowables(SimpleNamespace(prediction=pred, record=None, session=None), styles(), None)
    rows = next(f for f in flow if isinstance(f, Table))._cellvalues
    assert list(rows[0][:2]) == ["Class", "Description"]
    return {str(row[0]): str(row[1]) for row in rows[1:]}


def test_the_pdf_names_a_models_own_labels_as_they_are(predictions):
    own, ptbxl = predictions["own"], predictions["ptbxl"]
    assert own.ptbxl_labels is False and ptbxl.ptbxl_labels is True
    assert _descriptions(own) == dict.fromkeys(TINY_LABELS, "")
    assert _descriptions(ptbxl) == PTBXL_WORDS


def test_the_app_bars_name_a_models_own_labels_as_they_are(predictions, qtbot):
    from app.views.probability_bars import ProbabilityBars

    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    for name, words in (("own", False), ("ptbxl", True)):
        pred = predictions[name]
        bars.set_prediction(pred.labels, pred.probabilities, pred.thresholds, "", None, pred.ptbxl_labels)
        bars.resize(900, bars.sizeHint().height())
        bars.grab()
        for lab, full in PTBXL_WORDS.items():
            assert (full in bars.spoken()) is words, (name, lab)
            assert (f"{lab}  {full}" in bars.names(bars.fontMetrics())) is words, (name, lab)
        assert "MI " in bars.spoken()


def test_the_interpretation_says_a_models_own_mi_as_its_own_label():
    """The LUDB-trained model's called "MI" (its labels table's myocardial ischaemia) was left out of the
    interpretation, which says a model's own labels but took "MI" for PTB-XL's superclass; and beside a
    statements model it would have been set against PTB-XL's infarct statements."""
    from mirage_model.review.interpret import infarct_disagreement, own_labels

    def pred(ptbxl_labels):
        return SimpleNamespace(labels=("MI", "NOMI"), probabilities=[0.8, 0.1], thresholds=[0.5, 0.5], withheld="",
                               model_name="", ptbxl_labels=ptbxl_labels)

    statements = SimpleNamespace(labels=("IMI",), probabilities=[0.1], thresholds=[0.5], withheld="", model_name="")
    assert own_labels([pred(False)]) == [("MI", 0.8)] and own_labels([pred(True)]) == []
    assert infarct_disagreement(pred(False), statements) == ""
    assert infarct_disagreement(pred(True), statements).startswith("Models disagree on infarction")


STATEMENTS_MODEL = "mirage-ptbxl-statements"      # resources/models/statements/config.json's name


@pytest.fixture(scope="module")
def afib_models(tmp_path_factory):
    """Tiny checkpoints labelled AFIB and NORM (PTB-XL's codes by name): one trained on a researcher's own data,
    one on PTB-XL."""
    base = tmp_path_factory.mktemp("afib")
    out = {}
    for name, prov in (("own", OWN), ("ptbxl", PTBXL)):
        make_tiny_checkpoint(base / name, labels=("AFIB", "NORM"))
        doc = json.loads((base / name / "config.json").read_text())
        doc["provenance"].update(prov)
        (base / name / "config.json").write_text(json.dumps(doc))
        out[name] = base / name
    return out


def test_an_own_afib_model_gets_the_statements_model_beside_it(afib_models, monkeypatch):
    """A researcher's model whose labels are named AFIB and NORM was taken for a PTB-XL statements model: no
    statements model ran beside it (mirage score, the batch dialog, the app), its AFIB was said as PTB-XL's
    atrial fibrillation with that statement's rules, and the CSV's statements_model column named it."""
    from types import SimpleNamespace as NS

    from app.jobs import load_models_job
    from mirage_model.inference import Predictor
    from training_cli.engine.checkpoints import load_statements_predictor

    monkeypatch.delenv("MIRAGE_STATEMENTS_MODEL")         # the shipped one, as a user's run finds it
    own, ptbxl = (Predictor(afib_models[k], device="cpu", quality=False) for k in ("own", "ptbxl"))
    assert load_statements_predictor(own, "auto", "cpu").name == STATEMENTS_MODEL
    assert load_statements_predictor(ptbxl, "auto", "cpu") is None        # it carries PTB-XL statements itself
    ctx = NS(check=lambda: None)
    assert load_models_job(ctx, afib_models["own"], "cpu").statements.name == STATEMENTS_MODEL
    assert load_models_job(ctx, afib_models["ptbxl"], "cpu").statements is None
    from mirage_model.review.labels import ptbxl_coded

    assert ptbxl_coded(own) == () and ptbxl_coded(ptbxl) == ("AFIB", "NORM")


def _pred(ptbxl_labels: bool):
    """A prediction of AFIB 80 % and NORM 70 % (both called at 0.5), and Other 10 %."""
    return SimpleNamespace(labels=("AFIB", "NORM", "Other"), probabilities=[0.8, 0.7, 0.1], thresholds=[0.5] * 3,
                           positive=("AFIB", "NORM"), model_positive=("AFIB", "NORM"), withheld="", model_name="m",
                           ptbxl_labels=ptbxl_labels, quality=None)


def test_page_one_s_model_line_counts_an_own_afib_as_the_model_s_own_call():
    from mirage_model.review.report.model_line import model_line

    assert model_line(_pred(False), names=False).startswith("Model: positive AFIB 0.80, NORM 0.70")
    assert model_line(_pred(True), names=False).startswith("Model: 2 of its 2 statements above threshold")


def test_an_own_norm_is_no_reassuring_normal_class(qtbot):
    """A called NORM of a model trained on other data is drawn and spoken as a finding, not PTB-XL's normal ECG
    (the calm colour, "called: normal"); nor is it left out of what the noise may hide."""
    from app.views.probability_bars import ProbabilityBars
    from mirage_model.noise_spread import may_hide

    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    for ptbxl, call in ((True, "called: normal"), (False, "called: finding")):
        bars.set_prediction(["NORM"], [0.7], [0.5], "", None, ptbxl)
        assert bars.spoken() == f"NORM{' Normal ECG' if ptbxl else ''} 70.0 %, threshold 50.0 %, {call}"
        assert bars.colour("NORM", 0.7, 0.5) == (bars.NORMAL if ptbxl else bars.FINDING)
    doubted = {**vars(_pred(False)), "probabilities": [0.1, 0.4, 0.45], "positive": (), "model_positive": (),
               "noise_doubted": ("NORM", "Other")}
    assert [lab for lab, _, _ in may_hide(SimpleNamespace(**doubted))] == ["Other", "NORM"]
    assert [lab for lab, _, _ in may_hide(SimpleNamespace(**{**doubted, "ptbxl_labels": True}))] == ["Other"]


def test_the_pdf_draws_an_own_norm_as_a_call_not_the_normal_class(predictions):
    """The PDF's result table printed a called NORM in bold green, PTB-XL's reassuring normal ECG, whatever a
    model trained on other data meant by it; it is now highlighted as its other calls are (FLAG_RED)."""
    from dataclasses import replace

    from mirage_model.review.report.result import result_flowables
    from mirage_model.review.report.styles import FLAG_RED, styles

    colours = {}
    for name in ("own", "ptbxl"):
        pred = predictions[name]
        k = list(pred.labels).index("NORM")
        called = replace(pred, probabilities=[0.9 if i == k else 0.01 for i in range(len(pred.labels))],
                         positive=["NORM"], model_positive=["NORM"])
        flow = result_flowables(SimpleNamespace(prediction=called, record=None, session=None), styles(), None)
        table = next(f for f in flow if isinstance(f, Table))
        row = next(r for r, cells in enumerate(table._cellvalues) if str(cells[0]) == "NORM")
        colours[name] = table._cellStyles[row][0].color.rgb()
    assert colours["own"] == tuple(FLAG_RED)
    assert colours["ptbxl"] == (0.0, 0.4, 0.15)          # the calm green of PTB-XL's normal ECG


def test_an_own_afib_and_norm_are_said_as_the_model_s_own_labels(afib_models):
    """A model trained on other data whose labels are named AFIB and NORM: its calls are said as its own labels, as
    any own label is, never read as PTB-XL's atrial fibrillation and normal ECG. Alone, its AFIB had been said as
    "Atrial fibrillation" (with its NORM dropped for it); beside the statements model (mirage score, the app) it had
    been said nowhere, own_labels taking it for a PTB-XL statement. Its "HYP" carries no amplitude mark either."""
    from dataclasses import replace

    from mirage_model.inference import Predictor
    from mirage_model.review.interpret import doubted_calls, interpret_prediction, own_labels

    calls = {}
    for name in ("own", "ptbxl"):
        pred = Predictor(afib_models[name], device="cpu", quality=False).predict(synthetic_record())
        calls[name] = replace(pred, probabilities=[0.9, 0.8], thresholds=[0.5, 0.5], positive=["AFIB", "NORM"],
                              model_positive=["AFIB", "NORM"], withheld="")
    own, ptbxl = calls["own"], calls["ptbxl"]
    assert own_labels([own]) == [("AFIB", 0.9), ("NORM", 0.8)] and own_labels([ptbxl]) == []
    said = [s.text for s in interpret_prediction(own, None).statements]
    assert said == ["AFIB (the model's own label)", "NORM (the model's own label)"]
    sinus = SimpleNamespace(labels=("SR",), probabilities=[0.9], thresholds=[0.5], withheld="", model_name="s",
                            quality=None)         # the statements model beside it
    beside = [s.text for s in interpret_prediction(sinus, None, own=own).statements]
    assert beside == ["Sinus rhythm", "AFIB (the model's own label)", "NORM (the model's own label)"]
    assert [s.text for s in interpret_prediction(ptbxl, None).statements] == ["Atrial fibrillation"]
    tall = SimpleNamespace(findings=(SimpleNamespace(code="amplitude_high", name="amplitude high", detail=""),))
    hyp = {**vars(_pred(False)), "labels": ("HYP",), "probabilities": [0.9], "thresholds": [0.5],
           "positive": ("HYP",), "quality": tall}
    assert doubted_calls(SimpleNamespace(**hyp)) == {}
    assert list(doubted_calls(SimpleNamespace(**{**hyp, "ptbxl_labels": True}))) == ["HYP"]


def test_an_own_finding_keeps_the_statements_model_s_normal_ecg_away():
    """A model trained on LUDB with its own labels called "LVH" and "Sinus tachycardia" while the statements model
    beside it called a normal ECG: "Normal ECG" had stood beside "LVH (the model's own label)" in the app, the CSV
    and the PDF. An own label that names no abnormality ("Sinus rhythm", "NORM") leaves it standing."""
    from mirage_model.review.interpret import interpret_prediction

    statements = SimpleNamespace(labels=("SR", "NORM"), probabilities=[0.9, 0.8], thresholds=[0.5, 0.5], withheld="",
                                 model_name="s", quality=None)

    def own(*called):
        labels = ("LVH", "Sinus tachycardia", "Sinus rhythm", "NORM")
        return SimpleNamespace(labels=labels, probabilities=[0.7 if lab in called else 0.1 for lab in labels],
                               thresholds=[0.5] * len(labels), withheld="", model_name="own", ptbxl_labels=False)

    it = interpret_prediction(statements, None, own=own("LVH", "Sinus tachycardia"))
    said = [s.text for s in it.statements]
    assert "Normal ECG" not in said
    assert "LVH (the model's own label)" in said and "Sinus tachycardia (the model's own label)" in said
    assert ("normal ECG (80%) not stated: the model's own label LVH (70%), own label Sinus tachycardia (70%) "
            "above threshold") in it.resolved
    for calm in (("Sinus rhythm",), ("NORM",), ()):
        assert "Normal ECG" in [s.text for s in interpret_prediction(statements, None, own=own(*calm)).statements]
