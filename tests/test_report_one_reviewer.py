"""A report names one reviewer and prints one comment, the over-read's (``report.overread.take_settings_review``).

Before: page 3's Review block printed ``ReportSettings.reviewer`` and ``.comment`` (the app's Export dialog's own
fields, the command line's ``--reviewer``/``--comment``) under the over-read's "Over-read by A" and its comment: a
PDF signed by A said "Reviewer: B". PTB-XL 00417_lr (bundled, 100 Hz), measured by the rules delineator, with a
statements model's prediction made up here (SR 0.90, IRBBB 0.60 above their thresholds); texts read back with
pdftotext.
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest

from helpers_overread import record_and_measurements  # noqa: F401 - fixture
from helpers_pdf import pdftotext_page
from mirage_model.review.interpret import session_interpretation
from mirage_model.review.report import ReportSettings, build_report
from mirage_model.review.session import ReviewSession

SIGNED_AT = datetime(2026, 12, 6, 7, 10, tzinfo=timezone.utc)


def _session(record_and_measurements) -> ReviewSession:
    from mirage_model.inference import Prediction

    record, measured = record_and_measurements
    labels, probs = ("SR", "IRBBB", "LAFB", "NORM"), (0.9, 0.6, 0.1, 0.1)
    pred = Prediction(labels=labels, probabilities=np.asarray(probs, np.float32),
                      thresholds=np.asarray((0.5, 0.3, 0.3, 0.5), np.float32), model_name="statements",
                      positive=("SR", "IRBBB"))
    return ReviewSession.from_results(record, file_values=False, measurements=measured, prediction=pred)




def _signed(record_and_measurements, comment: str = "No change since 2025.") -> ReviewSession:
    s = _session(record_and_measurements)
    s.overread.set_comment(comment)
    s.overread.sign(session_interpretation(s), "Dr A. Reader", now=SIGNED_AT)
    return s


def test_page_3_names_the_signer_once_and_prints_the_comment_once(record_and_measurements, tmp_path):
    page3 = pdftotext_page(build_report(_signed(record_and_measurements), tmp_path / "r.pdf"), 3)
    assert "Review" in page3 and "Over-read by Dr A. Reader, 2026-12-06 07:10 UTC" in page3
    assert page3.count("Over-read by") == 1 and "Reviewer:" not in page3, page3     # no blank "Reviewer: ____"
    assert page3.count("No change since 2025.") == 1 and "Comment:" not in page3


def test_a_second_reviewer_or_comment_beside_the_over_reads_is_refused(record_and_measurements, tmp_path):
    s = _signed(record_and_measurements)
    with pytest.raises(ValueError, match="signed by Dr A. Reader: a report names one reviewer, not also 'Dr B'"):
        build_report(s, tmp_path / "a.pdf", settings=ReportSettings(reviewer="Dr B"))
    with pytest.raises(ValueError, match="a report prints one comment"):
        build_report(s, tmp_path / "b.pdf", settings=ReportSettings(comment="typed for the report"))
    assert not (tmp_path / "a.pdf").exists() and not (tmp_path / "b.pdf").exists()
    assert s.overread.comment == "No change since 2025."            # the caller's session as it was


def test_the_command_lines_comment_is_the_over_reads(record_and_measurements, tmp_path):
    """``mirage report --reviewer --comment`` (no over-read): the comment is printed where the app's over-read
    comment is (page 1's over-read lines, page 3 under the statements), once on each; the name on the line to sign,
    under "Not over-read"; the session given is left as it was."""
    s = _session(record_and_measurements)
    pdf = build_report(s, tmp_path / "r.pdf", settings=ReportSettings(reviewer="Dr. Who", comment="Batch 7, unread"))
    page1, page3 = pdftotext_page(pdf, 1), pdftotext_page(pdf, 3)
    assert "Reviewer's comment: Batch 7, unread" in page1 and "Not over-read" in page1
    assert page3.count("Batch 7, unread") == 1 and "Reviewer's comment: Batch 7, unread" in page3
    assert page3.count("Reviewer: ") == 1 and "Reviewer: Dr. Who" in page3 and "Comment:" not in page3
    assert "Over-read by" not in page3
    assert s.overread.comment == "" and not s.overread.edited
