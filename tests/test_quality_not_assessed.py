"""A record whose quality assessment fails has no verdict, so the gate cannot pass it: no model
calls are shown for it anywhere, and every face says why, naming the file.

The assessment is made to raise (``inference.assess`` replaced) for one named record, the way a
malformed signal made ``quality.assess`` raise. Before, the error reached the user as a bare
"ValueError: ..." ("cannot be scored" in ``mirage report``, with no PDF), never saying that the
signal quality was not assessed. Truth: the injected message and the record's own file name; the
other record of the folder, assessed as usual, is scored as before.
"""

from __future__ import annotations

import csv
import shutil

import pytest

from helpers_models import make_tiny_checkpoint
from mirage_model.paths import resources_dir

PAIR = tuple(resources_dir() / "samples" / "ptbxl" / "records100" / p
             for p in ("00000/00417_lr.hea", "11000/11125_lr.hea"))
BROKEN = "00417_lr"            # the record whose assessment raises
MESSAGE = "cannot assess this record"


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    # thresholds near 0: every class is a call, so a result shown without the gate would show calls
    return make_tiny_checkpoint(tmp_path_factory.mktemp("qfail") / "m", thresholds=[0.001] * 5)


@pytest.fixture()
def broken_assessment(monkeypatch):
    """``quality.assess`` (as ``inference.inputs`` calls it) raising for record ``BROKEN`` only."""
    from mirage_model import inference

    real = inference.assess

    def assess(record, *args, **kwargs):
        if record.record_id == BROKEN:
            raise ValueError(MESSAGE)
        return real(record, *args, **kwargs)

    monkeypatch.setattr(inference.inputs, "assess", assess)


@pytest.fixture()
def folder(tmp_path):
    out = tmp_path / "records"
    out.mkdir()
    for hea in PAIR:
        if not hea.exists():
            pytest.skip("bundled PTB-XL samples not present")
        shutil.copy(hea, out)
        shutil.copy(hea.with_suffix(".dat"), out)
    return out


def _rows(path):
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return {r["record_id"]: r for r in csv.DictReader(fh)}


def test_the_predictor_gives_no_result_and_says_the_quality_was_not_assessed(checkpoint, broken_assessment):
    from mirage_model.inference import Predictor, assess_record
    from mirage_model.quality import AssessmentError
    from mirage_model.records import RecordError, load_record

    record = load_record(PAIR[0])
    with pytest.raises(AssessmentError) as caught:
        assess_record(record)
    err = caught.value
    assert isinstance(err, RecordError)           # what every face already reports, naming the file
    assert err.reason == f"signal quality not assessed: {MESSAGE} (ValueError)"
    assert str(err).startswith(str(PAIR[0])) and "00417_lr.hea" in str(err)
    predictor = Predictor(checkpoint, device="cpu")
    with pytest.raises(AssessmentError, match="signal quality not assessed"):
        predictor.predict(record)
    other = predictor.predict(load_record(PAIR[1]))     # assessed as usual: scored, calls shown
    assert other.quality is not None and other.positive


def test_the_batch_carries_on_with_a_row_that_says_why(checkpoint, broken_assessment, folder, tmp_path, capsys):
    from training_cli.main import main

    out = tmp_path / "scores.csv"
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress",
               "--workers", "1", "--pdf-dir", str(tmp_path / "pdfs")])
    assert rc == 1                                    # a record failed
    err = capsys.readouterr().err
    assert f"failed: {BROKEN}.hea: signal quality not assessed: {MESSAGE} (ValueError)" in err
    assert "Traceback" not in err
    rows = _rows(out)
    broken, other = rows[BROKEN], rows["11125_lr"]
    assert broken["status"] == "error" and broken["error"] == f"signal quality not assessed: {MESSAGE} (ValueError)"
    assert broken["positive"] == broken["withheld_positive"] == broken["prob_NORM"] == ""   # no result at all
    assert other["status"] == "ok" and other["positive"] and other["error"] == ""
    assert sorted(p.name for p in (tmp_path / "pdfs").iterdir()) == ["11125_lr.pdf"]


def test_the_report_is_written_without_a_model_result_and_says_why(checkpoint, broken_assessment, tmp_path,
                                                                  capsys):
    pypdf = pytest.importorskip("pypdf")
    from training_cli.main import main

    out = tmp_path / "report.pdf"
    rc = main(["report", str(PAIR[0]), "--model", str(checkpoint), "--out", str(out)])
    assert rc == 0
    err = capsys.readouterr().err
    assert f"{BROKEN}.hea: not scored: signal quality not assessed: {MESSAGE} (ValueError)" in err
    assert "Traceback" not in err
    pages = [p.extract_text() for p in pypdf.PdfReader(str(out)).pages]
    first = " ".join(pages[0].split())
    assert f"Interpretation WITHHELD: signal quality not assessed: {MESSAGE} (ValueError)" in first
    assert "no model result" in first and "RESULT WITHHELD" not in first     # no probabilities, no calls
    text = " ".join(" ".join(p.split()) for p in pages)
    assert f"Signal quality: failed: signal quality not assessed: {MESSAGE} (ValueError)" in text


def test_a_session_whose_assessment_failed_withholds_its_statements():
    """The rules alone (no prediction to carry a quality report): before, their statements read as
    if the record had passed the gate."""
    from mirage_model.records import load_record
    from mirage_model.review.interpret import session_interpretation
    from mirage_model.review.session import ReviewSession

    session = ReviewSession.from_results(load_record(PAIR[0]), measured=False)
    session.set_measurement_edit("heart_rate_bpm", 150.0)        # a rule statement: sinus tachycardia?
    assert session_interpretation(session).withheld is None
    session.set_quality(None, f"signal quality not assessed: {MESSAGE}")
    assert session_interpretation(session).withheld == f"signal quality not assessed: {MESSAGE}"
