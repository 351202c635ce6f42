"""A model trained on PhysioNet Challenge data shows its labels in words: its checkpoint records each label's
SNOMED-CT description from the label map (``label_descriptions``), and the app, the PDF, the interpretation and
the model card say "Q wave abnormal (QAb)"; they had shown the bare abbreviations "QAb", "NSIVCB", "LAnFB", which
a cardiologist has to look up. A checkpoint without descriptions (older ones, an own labels table's) loads and
shows its labels as before."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from reportlab.platypus import Table

from helpers_models import make_tiny_checkpoint, synthetic_record
from helpers_training import train_argv

pytestmark = pytest.mark.usefixtures("one_torch_thread")

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "resources" / "samples" / "cinc2021" / "A0003", ROOT / "tests" / "data" / "cinc2020" / "E00009",
           ROOT / "tests" / "data" / "cinc2020" / "Q0096"]
# SNOMED-CT codes of the 2021 Challenge's scored classes, and their terms (dx_mapping_scored.csv, written out in
# capitals where a wave or an interval is named): the words the model's labels are to be shown with
DX = ["164917005", "698252002", "445118002,164889003", "733534002"]
WORDS = {"QAb": "Q wave abnormal", "NSIVCB": "nonspecific intraventricular conduction disorder",
         "LAnFB": "left anterior fascicular block", "AF": "atrial fibrillation",
         "LBBB": "left bundle branch block"}      # 733534002 is scored as 164909002's LBBB: that code's term


def make_challenge(root: Path, n: int = 16) -> Path:
    """``n`` Challenge records (.hea + .mat), copies of the bundled samples whose #Dx cycles through ``DX``."""
    root.mkdir(parents=True)
    for i in range(n):
        src, stem = SOURCES[i % len(SOURCES)], f"r{i:02d}"
        lines = src.with_suffix(".hea").read_text().replace(src.name, stem).splitlines()
        lines = [f"#Dx: {DX[i % len(DX)]}" if line.startswith("#Dx") else line for line in lines]
        (root / f"{stem}.hea").write_text("\n".join(lines) + "\n")
        shutil.copy(src.with_suffix(".mat"), root / f"{stem}.mat")
    return root


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny model trained one epoch on the Challenge copies, and its export (with its model card)."""
    from training_cli.main import main

    base = tmp_path_factory.mktemp("cinc_words")
    data = make_challenge(base / "cinc")
    run = base / "run"
    assert main(["train", *train_argv(f"challenge:{data}", run, base / "cache", "--epochs", "1", "--no-test")]) == 0
    assert main(["export", "--model", str(run / "model"), "--out", str(base / "export")]) == 0
    return SimpleNamespace(model=run / "model", export=base / "export", record=data / "r00")


def test_training_records_the_label_maps_words(trained):
    doc = json.loads((trained.model / "config.json").read_text())
    assert sorted(doc["labels"]) == sorted(WORDS)
    assert doc["label_descriptions"] == WORDS
    # mirage export keeps them, and its model card lists the labels in words
    assert json.loads((trained.export / "config.json").read_text())["label_descriptions"] == WORDS
    card = (trained.export / "MODEL_CARD.md").read_text()
    assert "Q wave abnormal (QAb)" in card and "Left anterior fascicular block (LAnFB)" in card


def _pdf_words(pred) -> dict[str, str]:
    """The PDF result table's Description column, by class (a wrapped cell's text)."""
    from mirage_model.review.report.result import result_flowables
    from mirage_model.review.report.styles import styles

    flow = result_flowables(SimpleNamespace(prediction=pred, record=None, session=None), styles(), None)
    rows = next(f for f in flow if isinstance(f, Table))._cellvalues
    return {str(row[0]): str(getattr(row[1], "text", row[1])) for row in rows[1:]}


def test_its_prediction_pdf_and_app_show_the_words(trained, qtbot):
    from app.views.probability_bars import ProbabilityBars
    from mirage_model.inference import Predictor
    from mirage_model.records import load_record
    from mirage_model.review.labels import label_name

    pred = Predictor(trained.model, quality=False).predict(load_record(trained.record))
    assert pred.ptbxl_labels is False and pred.label_descriptions == WORDS
    assert label_name("QAb", pred.ptbxl_labels, pred.label_descriptions) == "Q wave abnormal (QAb)"
    assert label_name("NSIVCB", False, pred.label_descriptions) == \
        "Nonspecific intraventricular conduction disorder (NSIVCB)"
    assert _pdf_words(pred) == {lab: words[0].upper() + words[1:] for lab, words in WORDS.items()}
    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    bars.set_prediction(pred.labels, pred.probabilities, pred.thresholds, "", None, pred.ptbxl_labels,
                        pred.label_descriptions)
    bars.resize(1200, bars.sizeHint().height())
    assert "QAb Q wave abnormal " in bars.spoken() and "LAnFB Left anterior fascicular block " in bars.spoken()
    assert "QAb  Q wave abnormal" in bars.names(bars.fontMetrics())


def test_the_app_shows_the_words_of_a_cinc_records_result(trained, qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from helpers_app import WAIT_MS, shown_window
    from mirage_model.review.labels import with_words

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    window = shown_window(qtbot, trained.model)
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS) as ready:
        window.open_record(str(trained.record.with_suffix(".hea")))
    pred = ready.args[0]
    bars = window.results.bars
    assert bars.descriptions == WORDS and "NSIVCB Nonspecific intraventricular conduction disorder" in bars.spoken()
    shown = window.results.positive.text()
    called = pred.model_positive if pred.withheld else pred.positive
    assert all(with_words(lab, WORDS) in shown for lab in called), (called, shown)


def test_the_interpretation_says_an_own_label_in_its_words():
    from mirage_model.review.interpret import interpret_prediction

    pred = SimpleNamespace(labels=("QAb", "AF"), probabilities=[0.9, 0.1], thresholds=[0.5, 0.5], withheld="",
                           model_name="cinc", ptbxl_labels=False, label_descriptions=WORDS)
    texts = [s.text for s in interpret_prediction(pred).statements]
    assert "Q wave abnormal (QAb, the model's own label)" in texts
    bare = SimpleNamespace(**{**vars(pred), "label_descriptions": {}})      # an older checkpoint's
    assert "QAb (the model's own label)" in [s.text for s in interpret_prediction(bare).statements]


def test_an_own_label_whose_words_name_a_statement_is_said_once():
    """A Challenge model's NSR is "sinus rhythm": beside the statement "Sinus rhythm, 70 bpm" it is said once, as
    that statement (as an own label named "sinus rhythm" is), not "Sinus rhythm (NSR, the model's own label)"."""
    from mirage_model.review.interpret import interpret_prediction

    stm = SimpleNamespace(labels=("SR",), probabilities=[0.9], thresholds=[0.5], withheld="",
                          model_name="statements")      # PTB-XL's statements model, run beside an own model
    own = SimpleNamespace(labels=("NSR", "QAb"), probabilities=[0.9, 0.8], thresholds=[0.5, 0.5], withheld="",
                          model_name="cinc", ptbxl_labels=False,
                          label_descriptions={"NSR": "sinus rhythm", "QAb": "Q wave abnormal"})
    it = interpret_prediction(stm, {"heart_rate_bpm": 70.0, "pr_ms": 160.0, "qrs_ms": 90.0}, own=own)
    texts = [s.text for s in it.statements]
    assert texts == ["Sinus rhythm, 70 bpm", "Q wave abnormal (QAb, the model's own label)"]
    assert "the model's own label NSR (90%) said once, as the statement Sinus rhythm, 70 bpm" in it.resolved


def test_a_checkpoint_without_descriptions_loads_and_shows_its_labels_as_before(tmp_path):
    from mirage_model.checkpoint import CheckpointError, load_checkpoint
    from mirage_model.inference import Predictor
    from mirage_model.review.labels import label_name

    folder = make_tiny_checkpoint(tmp_path / "old", labels=("QAb", "AF"))
    doc = json.loads((folder / "config.json").read_text())
    assert "label_descriptions" not in doc
    doc["provenance"].update({"data": "challenge:cinc", "data_kind": "challenge"})
    (folder / "config.json").write_text(json.dumps(doc))
    assert load_checkpoint(folder).label_descriptions == {}
    pred = Predictor(folder, quality=False).predict(synthetic_record())
    assert pred.label_descriptions == {}
    assert [label_name(lab, pred.ptbxl_labels, pred.label_descriptions) for lab in pred.labels] == ["QAb", "AF"]
    assert _pdf_words(pred) == {"QAb": "", "AF": ""}
    # an own labels table gives no words: each label's is itself, shown bare
    doc["label_descriptions"] = {"QAb": "QAb", "AF": "AF"}
    (folder / "config.json").write_text(json.dumps(doc))
    assert [label_name(lab, False, load_checkpoint(folder).label_descriptions) for lab in ("QAb", "AF")] == \
        ["QAb", "AF"]
    # a file from anyone: words of a label the model has not, or no text, are refused naming the field
    for bad in ({"STEMI": "ST elevation"}, {"QAb": 3}, ["Q wave abnormal"]):
        doc["label_descriptions"] = bad
        (folder / "config.json").write_text(json.dumps(doc))
        with pytest.raises(CheckpointError, match="label_descriptions"):
            load_checkpoint(folder)


def test_the_label_maps_words_go_with_its_classes(tmp_path):
    """The shipped map's description column gives each class one description (a class of two codes, the
    Challenge's "(scored as LBBB)" one left aside); a map without the column, none."""
    from training_cli.engine.challenge import DEFAULT_CHALLENGE_LABELMAP
    from training_cli.engine.tables import read_label_descriptions

    words = read_label_descriptions(DEFAULT_CHALLENGE_LABELMAP)
    assert len(words) == 26 and {k: words[k] for k in WORDS} == WORDS
    assert words["PAC"] == "premature atrial contraction" and words["RBBB"] == "right bundle branch block"
    own = tmp_path / "map.csv"
    own.write_text("snomed_ct,class\n164917005,QAb\n")
    assert read_label_descriptions(own) == {}
    own.write_text("snomed_ct,class,description\n1,X,only (scored as X)\n")
    assert read_label_descriptions(own) == {"X": "only"}


def test_the_datasets_carry_their_maps_words(tmp_path):
    """A Challenge dataset carries its map's words for the classes it has; a map without descriptions gives none
    (training then records each label as its own words); a folder table of SNOMED-CT codes named through a map
    with descriptions carries them."""
    from helpers_training import make_folder
    from training_cli.engine import datasets as D

    data = make_challenge(tmp_path / "cinc", n=8)
    assert D.open_dataset(f"challenge:{data}").descriptions == WORDS
    bare = tmp_path / "bare.csv"
    bare.write_text("snomed_ct,class\n164917005,QAb\n698252002,NSIVCB\n")
    ds = D.open_dataset(f"challenge:{data}", label_map=bare)
    assert ds.classes == ["NSIVCB", "QAb"] and ds.descriptions == {}
    root, labels = make_folder(tmp_path / "f", n_copies=1)
    labels.write_text("record_id,labels\necg000,164917005\necg001,698252002\necg002,164917005\necg003,698252002\n")
    lmap = tmp_path / "codes.csv"
    lmap.write_text("snomed_ct,class,description\n164917005,QAb,Q wave abnormal\n698252002,NSIVCB,\n")
    assert D.open_dataset(f"folder:{root}", labels=labels, label_map=lmap).descriptions == {"QAb": "Q wave abnormal"}


def test_page_one_s_model_line_says_the_labels_in_words():
    """Page 1's model line names an own model's calls in its data's words, as the result table, the interpretation
    and the app do: "positive Q wave abnormal (QAb) 0.90", where it had read "positive QAb 0.90"."""
    from mirage_model.review.report.summary_band import model_line

    pred = SimpleNamespace(labels=("QAb", "AF", "NSIVCB"), probabilities=[0.9, 0.7, 0.1], thresholds=[0.5] * 3,
                           positive=("QAb", "AF"), model_positive=("QAb", "AF"), withheld="", model_name="cinc",
                           ptbxl_labels=False, quality=None, label_descriptions=WORDS)
    assert model_line(pred).startswith("Model cinc: positive Q wave abnormal (QAb) 0.90, Atrial fibrillation (AF) 0.70")
    assert model_line(pred, names=False).startswith("Model: positive Q wave abnormal (QAb) 0.90, Atrial fibrillation")
    # a checkpoint without words: the labels as before
    bare = SimpleNamespace(**{**vars(pred), "label_descriptions": {}})
    assert model_line(bare).startswith("Model cinc: positive QAb 0.90, AF 0.70")


def _calling(model: Path, dst: Path, called: set[str]) -> Path:
    """A copy of ``model`` that calls the labels ``called`` whatever their probability (threshold 0.001; a call
    needs MIN_CALLED_P as well) and no other (threshold 0.999)."""
    shutil.copytree(model, dst)
    doc = json.loads((dst / "config.json").read_text())
    doc["thresholds"] = [0.001 if lab in called else 0.999 for lab in doc["labels"]]
    (dst / "config.json").write_text(json.dumps(doc))
    return dst


def test_page_one_says_the_calls_in_words_where_they_fit(trained, tmp_path):
    """Page 1's band says a called label in words where the line has room ("positive Q wave abnormal (QAb)"); where
    the words would wrap the line into the interpretation's lines (many calls), their labels alone, as before: the
    interpretation above it names each in words. Page 3's model line says them in words."""
    from helpers_pdf import pdftotext_page
    from mirage_model.inference import Predictor
    from mirage_model.review.batch import score_folder

    folder = tmp_path / "in"
    folder.mkdir()
    for suffix in (".hea", ".mat"):
        shutil.copy(trained.record.with_suffix(suffix), folder / f"r00{suffix}")
    one = _calling(trained.model, tmp_path / "one", {"QAb"})
    score_folder(folder, Predictor(one, device="cpu"), tmp_path / "one.csv", pdf_dir=tmp_path / "pdf1", measure=False)
    page1 = pdftotext_page(tmp_path / "pdf1" / "r00.pdf", 1)
    assert re.search(r"positive Q wave abnormal \(QAb\) \d\.\d\d", page1), page1
    every = _calling(trained.model, tmp_path / "every", set(WORDS))
    score_folder(folder, Predictor(every, device="cpu"), tmp_path / "all.csv", pdf_dir=tmp_path / "pdf5", measure=False)
    page1 = pdftotext_page(tmp_path / "pdf5" / "r00.pdf", 1)
    assert re.search(r"positive (AF|LAnFB|LBBB|NSIVCB|QAb) \d\.\d\d, ", page1), page1
    pages = " ".join(pdftotext_page(tmp_path / "pdf5" / "r00.pdf", k) for k in (2, 3))
    assert re.search(r"positive (Q wave abnormal \(QAb\)|Atrial fibrillation \(AF\)|Left) ", pages)
