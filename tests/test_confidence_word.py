"""A model statement's confidence word: the calibrated probability's (high >= 0.8, moderate >= 0.5, low), lowered
where the model's calibration split does not carry it (``statements.confidence_of``): fewer than 20 positive
calibration records, "low"; an AUROC there under 0.90, "moderate" at most; the statement says why. The figures come
from the model's config.json (``calibration.label_support``); a config without them keeps the probability's word."""

from __future__ import annotations

import ast
import csv
import json
import sys
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

import mirage_model as mm
from mirage_model.calibration import Calibration, label_support
from mirage_model.checkpoint import load_checkpoint
from mirage_model.measure import measure
from mirage_model.paths import shipped_models
from mirage_model.review.interpret import interpret, interpret_prediction
from mirage_model.review.interpret.statements import (CONFIDENT_MIN_AUROC, CONFIDENT_MIN_POSITIVES, confidence_of,
                                                      confidence_word)
from tests.helpers_models import make_tiny_checkpoint
from tests.helpers_training import make_folder

STATEMENTS_MODEL = shipped_models().get("statements")


@pytest.mark.parametrize("p, positives, auroc, word, why", [
    (0.95, None, None, "high", None),                       # no figures: the probability's word
    (0.95, 6, 0.99, "low", "calibrated on only 6 records with this statement"),
    (0.95, 1, None, "low", "calibrated on only 1 record with this statement"),
    (0.60, 19, 0.99, "low", "calibrated on only 19 records with this statement"),
    (0.30, 6, 0.99, "low", None),                           # low already: nothing to say
    # no record with it on the calibration split: calibration.fit left it uncalibrated (identity)
    (0.95, 0, None, "low", "not calibrated: no record with this statement where the model was calibrated"),
    (0.55, 0, None, "low", "not calibrated: no record with this statement where the model was calibrated"),
    (0.30, 0, None, "low", None),
    (0.95, 20, 0.99, "high", None),                         # 20 positives: the probability's word
    (0.85, 322, 0.8368, "moderate", "told apart weakly when calibrated (AUROC 0.84)"),
    (0.85, 322, 0.90, "high", None),                        # 0.90: not under the limit
    (0.60, 322, 0.80, "moderate", None),                    # moderate already
    (0.60, 322, None, "moderate", None),
])
def test_the_rule_on_hand_made_figures(p, positives, auroc, word, why):
    assert (CONFIDENT_MIN_POSITIVES, CONFIDENT_MIN_AUROC) == (20, 0.90)
    assert confidence_of(p, positives, auroc) == (word, why)
    assert confidence_word(p) == ("high" if p >= 0.8 else "moderate" if p >= 0.5 else "low")


def test_the_statement_says_why_where_the_word_was_lowered():
    # right ventricular hypertrophy at 90 % (threshold 30 %), its map fitted on 12 positive records
    it = interpret(["RVH"], [0.9], [0.3], support={"RVH": (12, 0.99)})
    s = it.statements[0]
    assert (s.code, s.confidence) == ("RVH", "low")
    assert s.confidence_why == "calibrated on only 12 records with this statement"
    assert s.source_tag() == "model 90%, low confidence: calibrated on only 12 records with this statement"
    assert s.source_tag(compact=True) == "model 90%"
    assert it.lines() == ["Right ventricular hypertrophy [model, 90%, low confidence: calibrated on only 12 records "
                          "with this statement]"]
    assert it.lowered_text() == ("Right ventricular hypertrophy: low confidence: calibrated on only 12 records with "
                                 "this statement")
    # without the figures (or another label's): today's word, nothing more said
    for support in (None, {}, {"AFIB": (3, 0.99)}):
        s = interpret(["RVH"], [0.9], [0.3], support=support).statements[0]
        assert (s.confidence, s.confidence_why) == ("high", None)
        assert s.source_tag() == "model 90%, high confidence"
        assert interpret(["RVH"], [0.9], [0.3], support=support).lowered_text() == ""


def test_label_support_reads_the_calibration_split_figures():
    cal = Calibration(("platt", "identity"), ({"a": 1.0, "b": 0.0}, {}), "val split, 100 records",
                      {"positives": [6, 40], "negatives": [94, 60]})
    metrics = {"val": {"n": 100, "per_class": {"A": {"auroc": 0.97}, "B": {"auroc": 0.81}}},
               "val_calibrated": {"n": 100, "per_class": {"A": {"auroc": 0.98}, "B": {"auroc": 0.83}}}}
    # B kept identity: no map fitted to it
    assert label_support(cal, metrics, ["A", "B"]) == {"A": (6, 0.98, True), "B": (40, 0.83, False)}
    # the calibrated figures of another split (other n) are not read: the earlier ones where they match
    other = {**metrics, "val_calibrated": {"n": 90, "per_class": {"A": {"auroc": 0.5}}}}
    assert label_support(cal, other, ["A", "B"]) == {"A": (6, 0.97, True), "B": (40, 0.81, False)}
    assert label_support(cal, {}, ["A", "B"]) == {"A": (6, None, True), "B": (40, None, False)}
    # no counts (an older config.json, a temperature), counts for other labels, no calibration: nothing
    assert label_support(Calibration(("platt", "platt"), ({"a": 1, "b": 0},) * 2), metrics, ["A", "B"]) == {}
    assert label_support(cal, metrics, ["A", "B", "C"]) == {}
    assert label_support(None, metrics, ["A", "B"]) == {}


@pytest.mark.skipif(STATEMENTS_MODEL is None, reason="no statements model ships")
def test_a_config_without_the_figures_keeps_the_probabilitys_words():
    config = json.loads((STATEMENTS_MODEL / "config.json").read_text())
    labels = config["labels"]
    assert label_support(Calibration.from_dict(config["calibration"], len(labels)), config["metrics"], labels)
    older = dict(config["calibration"], metrics={k: v for k, v in config["calibration"]["metrics"].items()
                                                 if k not in ("positives", "negatives")})
    support = label_support(Calibration.from_dict(older, len(labels)), config["metrics"], labels)
    assert support == {}
    s = interpret(["WPW"], [0.96], [0.3], support=support).statements[0]
    assert (s.confidence, s.confidence_why) == ("high", None)


@pytest.mark.skipif(STATEMENTS_MODEL is None, reason="no statements model ships")
def test_the_shipped_counts_are_fold_9s(ptbxl_root):
    """config.json's counts are the fold-9 records ptbxl_database.csv gives each statement (its fold 9 alone read)."""
    config = json.loads((STATEMENTS_MODEL / "config.json").read_text())
    counts = Counter()
    with open(ptbxl_root / "ptbxl_database.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["strat_fold"].strip() == "9":
                counts.update(ast.literal_eval(row["scp_codes"]).keys())
    stored = dict(zip(config["labels"], config["calibration"]["metrics"]["positives"]))
    assert stored == {lab: counts[lab] for lab in config["labels"]}
    assert stored["WPW"] == 7 and stored["AFLT"] == 7 and stored["2AVB"] == 1


@pytest.mark.skipif(STATEMENTS_MODEL is None, reason="no statements model ships")
@pytest.mark.parametrize("ecg_id, code, before, after, why", [
    # Wolff-Parkinson-White pattern at 96 %: 7 fold-9 records with it
    ("19428", "WPW", "high", "low", "calibrated on only 7 records with this statement"),
    # abnormal QRS at 89 %: fold-9 AUROC 0.837
    ("4661", "ABQRS", "high", "moderate", "told apart weakly when calibrated (AUROC 0.84)"),
])
def test_a_real_records_word_changes(ptbxl_root, ecg_id, code, before, after, why):
    """Two PTB-XL fold-9 records (labelled with the statement: ptbxl_database.csv) read by the shipped model."""
    with open(ptbxl_root / "ptbxl_database.csv", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["ecg_id"] == ecg_id)
    assert row["strat_fold"] == "9"
    record = mm.load_record(ptbxl_root / row["filename_lr"])
    pred = mm.Predictor(STATEMENTS_MODEL, device="cpu").predict(record, {"age": record.age, "sex": record.sex},
                                                                explain=False)
    m = measure(record)
    said = next(s for s in interpret_prediction(pred, m, record.sex).statements if s.code == code)
    assert (said.confidence, said.confidence_why) == (after, why)
    assert f"{after} confidence: {why}" in said.source_tag()
    # the same prediction without the config's figures: the probability's word
    old = next(s for s in interpret_prediction(replace(pred, calibration_support={}), m, record.sex).statements
               if s.code == code)
    assert (old.confidence, old.confidence_why) == (before, None)


def test_an_own_label_without_calibration_positives_is_not_said_calibrated():
    """A researcher's own label that no validation record carried (a Challenge dataset's LPR, seen on the CinC
    samples' own tiny model): ``calibration.fit`` leaves it uncalibrated, the Predictor's figures say 0 positives,
    and its call said "low confidence: calibrated on only 0 records with this statement" as if a map had been
    fitted on none. The validation outcomes are made by hand: B has no positive."""
    from types import SimpleNamespace

    from mirage_model.calibration import fit

    rng = np.random.default_rng(0)
    y = np.zeros((40, 2))
    y[::4, 0] = 1                                      # A: 10 positives, B: none
    cal = fit(y, rng.uniform(0.05, 0.95, (40, 2)), fitted_on="val split, 40 records")
    assert cal.methods[1] == "identity"
    support = label_support(cal, {}, ["A", "B"])
    assert support == {"A": (10, None, cal.methods[0] != "identity"), "B": (0, None, False)}
    pred = SimpleNamespace(labels=["A", "B"], probabilities=np.array([0.3, 0.9]), thresholds=np.array([0.5, 0.5]),
                           withheld="", model_name="own", ptbxl_labels=False, calibration_support=support)
    said = next(s for s in interpret_prediction(pred, None).statements if s.code == "B")
    assert said.source_tag() == ("model 90%, low confidence: not calibrated: no record with this statement where "
                                 "the model was calibrated")
    assert "0 records" not in interpret_prediction(pred, None).lowered_text()


def test_an_own_model_calibrated_by_mirage_calibrate_gets_the_figures(tmp_path, monkeypatch, capsys):
    """``mirage calibrate`` stores each label's positive validation records; the Predictor reads them, and a
    statement of a label with few is said at low confidence. The counts: labels.csv's val rows."""
    from training_cli.main import main

    tiny = make_tiny_checkpoint(tmp_path / "tiny")
    root, labels_csv = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    out = tmp_path / "cal"
    argv = ["calibrate", "--model", str(tiny), "--data", f"folder:{root}", "--labels", str(labels_csv), "--cache-dir",
            str(tmp_path / "cache"), "--workers", "1", "--no-progress", "--threads", "1", "--out", str(out)]
    monkeypatch.setattr(sys, "argv", ["mirage", *argv])
    assert main(argv) == 0
    with open(labels_csv, newline="") as f:
        truth = Counter(lab for r in csv.DictReader(f) if r["split"] == "val" for lab in r["labels"].split(";"))
    config = json.loads((out / "config.json").read_text())
    assert config["calibration"]["metrics"]["positives"] == [truth[lab] for lab in config["labels"]]
    support = mm.Predictor(out, device="cpu").calibration_support
    assert {lab: n for lab, (n, *_) in support.items()} == {lab: truth[lab] for lab in config["labels"]}
    loaded = load_checkpoint(out)
    assert label_support(loaded.calibration, loaded.metrics, loaded.labels) == support
    assert confidence_of(0.9, *support["NORM"])[0] == "low"
    assert np.all(np.array([n for n, *_ in support.values()]) < CONFIDENT_MIN_POSITIVES)


@pytest.mark.parametrize("name", ["default", "mi", "statements"])
def test_every_shipped_classifier_carries_its_calibration_split_counts(name):
    """Each count of records per class on the calibration split, with its negatives, is that split's size as
    ``calibration.fitted_on`` names it ("ptbxl superdiagnostic val split, 2146 records")."""
    folder = shipped_models().get(name)
    if folder is None:
        pytest.skip(f"no {name} model ships")
    config = json.loads((folder / "config.json").read_text())
    metrics, n = config["calibration"]["metrics"], int(config["calibration"]["fitted_on"].split(", ")[-1].split()[0])
    assert [p + q for p, q in zip(metrics["positives"], metrics["negatives"])] == [n] * len(config["labels"])
    assert set(mm.Predictor(folder, device="cpu").calibration_support) == set(config["labels"])


def test_an_own_label_says_the_lowered_word_too():
    """A model trained on other data (``ptbxl_labels`` False): its "AFIB" is its own label, said by
    ``own_label_statements``, not by ``interpret``; calibrated on 5 records it is said at low confidence, with why."""
    from types import SimpleNamespace

    pred = SimpleNamespace(labels=["AFIB"], probabilities=np.array([0.95]), thresholds=np.array([0.5]),
                           withheld="", model_name="own", ptbxl_labels=False, calibration_support={"AFIB": (5, 0.99)})
    said = next(s for s in interpret_prediction(pred, None).statements if s.code == "AFIB")
    assert said.text == "AFIB (the model's own label)"
    assert (said.confidence, said.confidence_why) == ("low", "calibrated on only 5 records with this statement")
    assert said.source_tag() == "model 95%, low confidence: calibrated on only 5 records with this statement"
    # without figures: the probability's word
    bare = SimpleNamespace(**{**vars(pred), "calibration_support": {}})
    plain = next(s for s in interpret_prediction(bare, None).statements if s.code == "AFIB")
    assert (plain.confidence, plain.confidence_why) == ("high", None)


@pytest.mark.parametrize("p, positives, word, why", [
    (0.95, 6, "low", "not calibrated: too few records (only 6 records with this statement where the model was "
                     "calibrated)"),
    (0.60, 1, "low", "not calibrated: too few records (only 1 record with this statement where the model was "
                     "calibrated)"),
    (0.30, 6, "low", None),                                 # low already: nothing to say
    (0.95, 0, "low", "not calibrated: no record with this statement where the model was calibrated"),
    (0.95, 40, "high", None),                               # enough records: the network's word stands
])
def test_a_label_whose_calibration_kept_identity_is_not_said_calibrated(p, positives, word, why):
    """``calibration.fit`` keeps a label's network probability (``identity``) where no map does better on its few
    validation records; the statement said "low confidence: calibrated on only 6 records" as if a map had been
    applied. Truth: the hand-made figures (6 positives, no map fitted)."""
    assert confidence_of(p, positives, 0.99, False) == (word, why)


def test_an_own_label_kept_identity_on_six_records_says_so():
    """End to end from a checkpoint's calibration: label A kept ``identity`` on 6 positive records (the methods
    written here by hand), B got a Platt map on 6: A's call says it was not calibrated, B's that it was, on 6."""
    from types import SimpleNamespace

    cal = Calibration(("identity", "platt"), ({}, {"a": 1.0, "b": 0.0}), "val split, 100 records",
                      {"positives": [6, 6], "negatives": [94, 94]})
    support = label_support(cal, {}, ["A", "B"])
    pred = SimpleNamespace(labels=["A", "B"], probabilities=np.array([0.9, 0.9]), thresholds=np.array([0.5, 0.5]),
                           withheld="", model_name="own", ptbxl_labels=False, calibration_support=support)
    said = {s.code: s for s in interpret_prediction(pred, None).statements if s.code in ("A", "B")}
    assert said["A"].source_tag() == ("model 90%, low confidence: not calibrated: too few records (only 6 records "
                                      "with this statement where the model was calibrated)")
    assert said["B"].source_tag() == "model 90%, low confidence: calibrated on only 6 records with this statement"
