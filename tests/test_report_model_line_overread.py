"""Page 1's model line beside a signed over-read with a comment (``report.model_line``, ``summary_band``).

Before: the over-read's comment and signature took the band's lines, and the model line gave up both the models'
names and the classes' words ("Model: positive NORM 0.45, STTC 0.49. Statements: 2 of 71 above threshold (0 shown,
2 resolved) (names: page 3)", LUDB record 1 of the shared data, A4), labelled "Model:" under "over-read by the reviewer (below)" as if
the reviewer had signed it. Now the classes are said in words, and the line says it is the machine's ("Model (not
over-read): positive Normal ECG (NORM) 0.45, ST/T change (STTC) 0.49. Statements: 2 of 71 above threshold"; Letter,
narrower: "Normal ECG 0.45, ST/T change 0.49"); since session 55 the line names both models before it says the
classes' words (``test_report_model_line_names``), over two rows where one does not hold them. LUDB record 65
(bundled), measured by the rules delineator, with the shipped models' names and a superclass and a statements
prediction made up here (NORM 0.45 and STTC 0.49 above their thresholds 0.4; SR 0.9 and NDT 0.6 of five statements);
the words are PTB-XL's (Wagner et al. 2020); page 1's text read back with pdftotext.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from helpers_pdf import pdftotext_page
from mirage_model.review.interpret import session_interpretation
from mirage_model.review.report import ReportSettings, build_report
from mirage_model.review.session import ReviewSession

SUPER = "mirage-ptbxl-superdiagnostic-base-ensemble2-smoothed-stage"      # the shipped model's name, as long


@pytest.fixture(scope="module")
def record_and_measurements():
    """(the bundled LUDB record 65 as read, its measurements by the rule delineator)."""
    import mirage_model as mm
    from mirage_model.measure import MeasureConfig, measure

    path = Path(__file__).parent / "data" / "ludb" / "65.hea"
    if not path.is_file():
        pytest.skip("bundled LUDB record 65 not present")
    record = mm.load_record(path)
    return record, measure(record, MeasureConfig(delineator="rules"))


def _session(record_and_measurements, sign: bool) -> ReviewSession:
    from mirage_model.inference import Prediction

    record, measured = record_and_measurements
    sup = Prediction(labels=("NORM", "MI", "STTC", "CD", "HYP"),
                     probabilities=np.asarray((0.45, 0.01, 0.49, 0.01, 0.01), np.float32),
                     thresholds=np.full(5, 0.4, np.float32), model_name=SUPER, positive=("NORM", "STTC"))
    stmt = Prediction(labels=("SR", "AFIB", "NDT", "IRBBB", "NORM"),
                      probabilities=np.asarray((0.9, 0.05, 0.6, 0.1, 0.1), np.float32),
                      thresholds=np.full(5, 0.5, np.float32), model_name="mirage-ptbxl-statements",
                      positive=("SR", "NDT"))
    s = ReviewSession.from_results(record, file_values=False, measurements=measured, prediction=sup,
                                   statements=stmt)
    if sign:
        s.overread.set_comment("Compared with the tracing of 2025; no change.")
        s.overread.sign(session_interpretation(s), "Dr A. Reader",
                        now=datetime(2026, 12, 6, 7, 10, tzinfo=timezone.utc))
    return s


@pytest.mark.parametrize("page", ["A4", "Letter"])
def test_beside_a_signed_over_read_the_model_line_says_its_calls_in_words_and_is_the_machines(
        record_and_measurements, tmp_path, page):
    s = _session(record_and_measurements, sign=True)
    page1 = pdftotext_page(build_report(s, tmp_path / "r.pdf", settings=ReportSettings(page_size=page)), 1)
    assert "Reviewer's comment: Compared with the tracing of 2025; no change." in page1
    assert "Over-read by Dr A. Reader, 2026-12-06 07:10 UTC" in page1
    # the superclass model named (since session 55: beside the statements model's name), its calls in words where the
    # row has room, else their labels (page 3 has both)
    assert re.search(r"Model (mirage-)?ptbxl-superdiagnostic\S* \(not over-read\): positive "
                     r"(Normal ECG (\(NORM\) )?|NORM )0\.45, (ST/T change (\(STTC\) )?|STTC )0\.49", page1), page1


def test_not_over_read_the_model_line_is_not_labelled_so(record_and_measurements, tmp_path):
    """No over-read: the head says "Not over-read" of the whole band; the model line names both models (four
    statements fill the band: the superclass model's name short, cut after its parts "...", its calls' labels),
    which model made each call."""
    page1 = pdftotext_page(build_report(_session(record_and_measurements, sign=False), tmp_path / "r.pdf"), 1)
    assert "Not over-read" in page1 and "(not over-read)" not in page1
    assert re.search(r"Model ptbxl-superdiagnostic\S*\.\.\.: positive NORM 0\.45, STTC 0\.49\. "
                     r"Statements: ptbxl-statements, 2 of 5", page1), page1
