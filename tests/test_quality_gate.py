"""The quality gate end to end: a record the model was not trained for (electrode reversal, a lead
missing) gets its calls withheld in the Prediction, the batch CSV and the PDF; the probabilities stay.

Truth: the same record unmodified is not gated, and the gated record's probabilities equal an
ungated Predictor's (the gate changes what is called, never what is computed).
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers_models import make_tiny_checkpoint


@pytest.fixture(scope="module")
def low_threshold_model(tmp_path_factory):
    # thresholds near 0: every class is a model call, so the gate has something to withhold
    return make_tiny_checkpoint(tmp_path_factory.mktemp("gate") / "m", thresholds=[0.001] * 5)


@pytest.fixture(scope="module")
def records():
    from mirage_model.records import load_record
    from mirage_model.paths import sample_records
    from mirage_model.perturb import apply

    clean = load_record(next(p for p in sample_records() if "00417" in str(p)))
    return clean, apply(clean, "reversal LA/RA"), apply(clean, "lead II zeroed")


def test_reversed_and_missing_lead_records_are_withheld(low_threshold_model, records):
    from mirage_model.inference import Predictor

    gated, plain = Predictor(low_threshold_model, device="cpu"), Predictor(low_threshold_model, device="cpu",
                                                                            quality=False)
    clean, reversed_, zeroed = records
    ok = gated.predict(clean, explain=False)
    assert not ok.withheld and ok.positive == ok.model_positive and ok.quality.verdict == "usable"
    for rec, word in ((reversed_, "reversal"), (zeroed, "missing")):
        p = gated.predict(rec, explain=False)
        assert p.positive == () and len(p.model_positive) == 5 and word in p.withheld.lower()
        np.testing.assert_allclose(p.probabilities, plain.predict(rec, explain=False).probabilities, atol=1e-6)


@pytest.mark.parametrize("seconds, severity", [(5.0, "critical"), (8.9, "critical"), (9.5, "warning"),
                                               (10.0, None)])
def test_a_record_shorter_than_the_models_10_s_is_withheld(low_threshold_model, records, seconds, severity):
    """The models read 10 s windows, zero-padded after a shorter record; cut to 9 s, a tenth of PTB-XL
    fold-9 records change their calls (QualityConfig). Under 9 s the calls are withheld, the
    probabilities still computed; 9-9.9 s is a warning; a whole 10 s record has no finding."""
    import dataclasses

    from mirage_model.inference import Predictor

    clean = records[0]
    assert clean.signal.shape[1] / clean.fs == 10.0
    rec = dataclasses.replace(clean, signal=clean.signal[:, :int(round(seconds * clean.fs))].copy())
    p = Predictor(low_threshold_model, device="cpu").predict(rec, explain=False)
    found = [f for f in p.quality.findings if f.code == "short_record"]
    assert [f.severity for f in found] == ([severity] if severity else [])
    if severity == "critical":
        assert p.positive == () and len(p.model_positive) == 5 and "shorter than 10 s" in p.withheld
        assert f"({seconds:.1f} s)" in found[0].name
    else:
        assert not p.withheld and p.positive == p.model_positive


def test_short_record_limits_follow_the_models_window(low_threshold_model, records, tmp_path):
    """A model of 5 s windows is not short-changed by a 7 s record; one of 10 s is (critical)."""
    import dataclasses

    from mirage_model.inference import Predictor

    clean = records[0]
    rec = dataclasses.replace(clean, signal=clean.signal[:, :int(round(7.0 * clean.fs))].copy())
    from mirage_model.preprocess import PreprocessConfig

    five = make_tiny_checkpoint(tmp_path / "five", thresholds=[0.001] * 5, n_samples=500,
                                preprocess=PreprocessConfig(window_s=5.0))
    short = Predictor(five, device="cpu").predict(rec, explain=False)
    assert not [f for f in short.quality.findings if f.code == "short_record"] and not short.withheld
    p = Predictor(low_threshold_model, device="cpu").predict(rec, explain=False)
    assert [f.name for f in p.quality.findings if f.code == "short_record"] == ["record shorter than 10 s (7.0 s)"]


def test_batch_csv_and_pdf_say_withheld(low_threshold_model, records, tmp_path):
    import csv

    from pypdf import PdfReader

    import dataclasses

    from mirage_model.review.batch import score_folder
    from mirage_model.formats.write import write_record
    from mirage_model.inference import Predictor

    clean, reversed_, _ = records
    folder = tmp_path / "in"
    write_record(dataclasses.replace(reversed_, record_id="rev"), folder, "wfdb", name="rev")
    write_record(dataclasses.replace(clean, record_id="clean"), folder, "wfdb", name="clean")
    out = tmp_path / "out.csv"
    score_folder(folder, Predictor(low_threshold_model, device="cpu"), out, pdf_dir=tmp_path / "pdf")
    rows = {r["record_id"]: r for r in csv.DictReader(open(out))}
    rev = rows["rev"]
    assert rev["positive"] == "" and rev["withheld_positive"].count(";") == 4
    assert rev["quality"].startswith("unreliable") and "reversal" in rev["warnings"]
    assert rows["clean"]["withheld_positive"] == "" and rows["clean"]["quality"] == "usable"
    text = " ".join(page.extract_text() for page in PdfReader(tmp_path / "pdf" / "rev.pdf").pages)
    assert "RESULT WITHHELD" in text and "unreliable" in text
