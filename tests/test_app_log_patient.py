"""The app's log (kept for support) never holds a patient's ID, name or birth date: a message naming them on screen
(the notice of an over-read kept for another file of the record, a reader's note on the birth date) is logged with the
record's file name in their place (``review.log_words.unnamed``, test_log_words). The aECG sample
(tests/data/formats) names its patient "Clark", ID "subject1", born 1953-05-08 (its file says so); the tiny model of
helpers_app."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings, tiny_model  # noqa: E402,F401 - fixtures
from test_app_overread import WAIT_MS, _window, statements_model  # noqa: E402,F401 - fixture
from mirage_model.records import load_record  # noqa: E402
from mirage_model.review.store import OverReadStore, loose_identity  # noqa: E402

AECG = Path(__file__).parent / "data" / "formats" / "aecg_subject1_0.xml"


def test_the_log_names_the_file_not_the_patient(qtbot, tiny_model, statements_model, caplog):
    window = _window(qtbot, tiny_model, statements_model)
    # an over-read kept for another file of this record (its samples changed): its notice names the patient
    OverReadStore(window.overread_store().path).save(
        "another-file", {"decisions": [], "added": [], "comment": "", "reader": "Dr Other",
                         "signed_at": "2026-12-06T08:00:00+00:00", "signed_over": []},
        record="aecg_subject1_0", loose=loose_identity(load_record(AECG)))
    with caplog.at_level(logging.INFO, logger="app"):
        with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
            window.open_record(str(AECG))
    assert "patient ID subject1" in window.session.overread.elsewhere        # on screen: it names the patient
    logged = caplog.text
    assert "aecg_subject1_0: an over-read of another file of this record (aecg_subject1_0) is kept" in logged
    assert "its birth date [birth date of aecg_subject1_0]" in logged
    for said in ("subject1", "Clark", "1953-05-08"):
        assert not re.search(rf"(?<!\w){said}(?!\w)", logged, re.IGNORECASE), said
