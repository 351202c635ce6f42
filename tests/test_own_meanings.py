"""A researcher's own model (trained on Challenge SNOMED-CT labels, no calibration) met none of the contradiction rules
the PTB-XL statements meet: "Sinus tachycardia (STach, the model's own label)" stood at 41 bpm, "Left bundle branch
block (LBBB, ...)" beside "Right bundle branch block (RBBB, ...)", and its uncalibrated 51-52 % read "moderate
confidence". The labels' words are the Challenge label map's (training_cli/labelmaps/cinc2021_scored.csv), the
measurements set by hand, and what contradicts what is worked out from the limits (rate 50-100 bpm, complete bundle
branch block QRS >= 120 ms, incomplete 110-119 ms: Surawicz et al. 2009)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from mirage_model.inference.prediction import Prediction
from mirage_model.review.interpret import interpret_prediction

MAP = Path(__file__).resolve().parents[1] / "training_cli" / "labelmaps" / "cinc2021_scored.csv"


def _own(labels, p=0.52, calibrated=False):
    """An own model's prediction: each of ``labels`` called at ``p`` (threshold 0.5), its words the label map's."""
    with MAP.open(newline="") as fh:
        words = {}
        for row in csv.DictReader(fh):
            words.setdefault(row["class"], row["description"])
    words["LBBB"], words["RBBB"] = "left bundle branch block", "right bundle branch block"   # the map's second rows
    return Prediction(labels=tuple(labels), probabilities=np.full(len(labels), p), thresholds=np.full(len(labels), .5),
                      positive=tuple(labels), model_name="own", ptbxl_labels=False, calibrated=calibrated,
                      label_descriptions={lab: words[lab] for lab in labels})


def _by_label(it):
    return {s.code: s for s in it.statements if s.source == "model"}


def test_a_sinus_rate_label_the_rate_refutes_is_marked_the_other_not():
    it = interpret_prediction(_own(["SB", "STach"]), {"heart_rate_bpm": 41.0, "qrs_ms": 96.0, "pr_ms": 160.0}, "M",
                              age=60)
    said = _by_label(it)
    assert said["STach"].note and "41 bpm" in said["STach"].note and "> 100 bpm" in said["STach"].note
    assert said["SB"].note is None              # 41 < 50 bpm: the one the rate supports stands unmarked
    assert "Sinus tachycardia (STach, the model's own label) (?)" in it.text()


def test_left_and_right_bundle_branch_blocks_together_are_both_marked():
    it = interpret_prediction(_own(["LBBB", "RBBB"]), {"heart_rate_bpm": 72.0, "qrs_ms": 140.0}, "M", age=60)
    said = _by_label(it)
    assert "right bundle branch block" in said["LBBB"].note.lower()
    assert "left bundle branch block" in said["RBBB"].note.lower()


def test_a_complete_block_label_with_a_qrs_of_110_to_119_ms_names_the_incomplete_block():
    it = interpret_prediction(_own(["RBBB"]), {"heart_rate_bpm": 72.0, "qrs_ms": 116.0}, "M", age=60)
    note = _by_label(it)["RBBB"].note
    assert "116 ms" in note and "incomplete right bundle branch block" in note


def test_an_own_sinus_label_beside_atrial_fibrillation_said_is_marked_and_kept():
    it = interpret_prediction(_own(["NSR", "AF"]), {"heart_rate_bpm": 80.0, "qrs_ms": 96.0}, "M", age=60)
    said = _by_label(it)
    assert set(said) == {"NSR", "AF"}           # nothing removed
    assert said["NSR"].note and said["AF"].note


def test_a_child_is_not_judged_by_the_adult_rate():
    it = interpret_prediction(_own(["STach"]), {"heart_rate_bpm": 95.0, "qrs_ms": 80.0}, "M", age=4)
    assert _by_label(it)["STach"].note is None


def test_an_uncalibrated_model_says_no_confidence_word():
    it = interpret_prediction(_own(["PVC"]), {"heart_rate_bpm": 72.0}, "M", age=60)
    tag = _by_label(it)["PVC"].source_tag()
    assert "uncalibrated" in tag and "moderate" not in tag and "confidence" not in tag
    calibrated = interpret_prediction(_own(["PVC"], calibrated=True), {"heart_rate_bpm": 72.0}, "M", age=60)
    assert "moderate confidence" in _by_label(calibrated)["PVC"].source_tag()


def _statements_model(code, p=0.9):
    """The statements model calling ``code`` alone above its threshold (0.5); SR below it."""
    return Prediction(labels=(code, "SR"), probabilities=np.array([p, 0.2]), thresholds=np.full(2, .5),
                      positive=(code,), model_name="statements", ptbxl_labels=True)


def test_a_sinus_rate_word_refuted_is_sinus_rhythm_beside_an_own_label():
    """A child of 6 at 100 bpm (within a child's 59-123 bpm, Fleming et al. 2011): the statements model's sinus
    bradycardia is said as "Sinus rhythm, 100 bpm". Sinus rhythm and sinus tachycardia (or bradycardia) are one
    rhythm's words, no contradiction; the own label had been marked "beside sinus rhythm, 100 bpm: the two cannot
    both hold". Atrial fibrillation beside that sinus rhythm is still marked."""
    child = {"heart_rate_bpm": 100.0, "qrs_ms": 80.0, "pr_ms": 130.0}
    for code, own in (("SBRAD", "STach"), ("STACH", "SB")):
        it = interpret_prediction(_statements_model(code), child, "M", age=6, own=_own([own]))
        assert any(s.text.startswith("Sinus rhythm, 100 bpm") for s in it.statements)
        assert _by_label(it)[own].note is None
    it = interpret_prediction(_statements_model("SBRAD"), child, "M", age=6, own=_own(["AF"]))
    assert "beside sinus rhythm, 100 bpm" in _by_label(it)["AF"].note


def test_an_own_label_without_words_is_said_once_as_the_statement_of_its_meaning():
    """A researcher's label "SB" with no words recorded means sinus bradycardia by its name (the Challenge's
    abbreviation): at 45 bpm (< 50 bpm, Mason et al. 2007) beside the statement "Sinus bradycardia, 45 bpm" it is said
    once, as that statement, as the same label with its words is; it had stood beside it as "SB (the model's own
    label)"."""
    adult = {"heart_rate_bpm": 45.0, "qrs_ms": 90.0, "pr_ms": 150.0}
    bare = Prediction(labels=("SB",), probabilities=np.array([0.8]), thresholds=np.array([0.5]), positive=("SB",),
                      model_name="own", ptbxl_labels=False)
    for own in (bare, _own(["SB"], p=0.8)):
        sinus = Prediction(labels=("SR", "STACH"), probabilities=np.array([0.9, 0.1]), thresholds=np.full(2, .5),
                           positive=("SR",), model_name="statements", ptbxl_labels=True)
        it = interpret_prediction(sinus, adult, "M", age=60, own=own)
        assert [s.text for s in it.statements if s.group == "rhythm"] == ["Sinus bradycardia, 45 bpm"]
        assert "SB" not in _by_label(it)
        assert any("own label SB (80%) said once, as the statement Sinus bradycardia, 45 bpm" in r for r in it.resolved)


def test_an_own_call_is_not_folded_into_a_rhythm_said_below_its_threshold():
    """A researcher's AF model called AF at 77 % (threshold 0.22) on CinC JS00005 (atrial flutter at 162 bpm), where
    the statements model had no rhythm above its threshold and said its most probable one, "Atrial fibrillation, 162
    bpm, most probable rhythm (below its threshold)": the own call was said once, as that statement, so the CSV, the
    app and the PDF read as if no model had called AF. The own call is said as its own beside it.
    Truth: the probabilities and thresholds set here (AFIB 0.30 < 0.5; AF 0.77 >= 0.22)."""
    statements = Prediction(labels=("SR", "AFIB", "STACH"), probabilities=np.array([0.1, 0.3, 0.05]),
                            thresholds=np.full(3, .5), positive=(), model_name="statements", ptbxl_labels=True)
    own = Prediction(labels=("AF", "SR"), probabilities=np.array([0.77, 0.2]), thresholds=np.array([0.22, 0.5]),
                     positive=("AF",), model_name="own", ptbxl_labels=False)
    it = interpret_prediction(statements, {"heart_rate_bpm": 162.0, "qrs_ms": 96.0}, "F", age=73, own=own)
    assert it.text().split("; ")[:2] == ["Atrial fibrillation, 162 bpm, most probable rhythm (below its threshold)",
                                         "AF (the model's own label)"]
    assert _by_label(it)["AF"].probability == 0.77
    assert not any("said once" in r for r in it.resolved)
    # called above its threshold, the statement takes the own label in, as before
    called = Prediction(labels=("SR", "AFIB", "STACH"), probabilities=np.array([0.1, 0.9, 0.05]),
                        thresholds=np.full(3, .5), positive=("AFIB",), model_name="statements", ptbxl_labels=True)
    it = interpret_prediction(called, {"heart_rate_bpm": 162.0, "qrs_ms": 96.0}, "F", age=73, own=own)
    assert "AF" not in _by_label(it) and any("own label AF (77%) said once, as the statement Atrial fibrillation"
                                             in r for r in it.resolved)


def test_an_own_label_naming_a_ptbxl_code_is_said_once_as_its_statement():
    """Session 55's own-data walk: a researcher's label "LVH" (no words in the labels table) stood as "LVH (the
    model's own label)" beside the statement "Left ventricular hypertrophy" (CinC JS00011): LVH had no own meaning.
    PTB-XL's code for the finding (Wagner et al. 2020) means that statement; one a table may use with another meaning
    (AMI: acute myocardial infarction, PTB-XL's anterior infarct) is not read by its code."""
    adult = {"heart_rate_bpm": 72.0, "qrs_ms": 96.0, "pr_ms": 160.0}
    for code, text in (("LVH", "Left ventricular hypertrophy"), ("LAFB", "Left anterior fascicular block")):
        own = Prediction(labels=(code, "SR"), probabilities=np.array([0.7, 0.2]), thresholds=np.full(2, .5),
                         positive=(code,), model_name="own", ptbxl_labels=False)
        it = interpret_prediction(_statements_model(code), adult, "M", age=60, own=own)
        assert "own label" not in it.text() and it.text().count(text) == 1, it.text()
        assert any(f"own label {code} (70%) said once, as the statement {text}" in r for r in it.resolved)
    own = Prediction(labels=("AMI",), probabilities=np.array([0.7]), thresholds=np.array([.5]), positive=("AMI",),
                     model_name="own", ptbxl_labels=False)
    it = interpret_prediction(_statements_model("AMI"), adult, "M", age=60, own=own)
    assert "AMI (the model's own label)" in it.text()      # said as the model's own: its meaning is the researcher's
