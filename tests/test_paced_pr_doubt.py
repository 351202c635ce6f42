"""A paced rhythm's PR in the measurement table: marked unreliable as the pacemaker's AV delay
(``review.measurements.paced_doubt``), with the quality check's pacemaker spikes or the statements model's paced
rhythm."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirage_model.measure import measure
from mirage_model.quality import Finding, QualityReport
from mirage_model.records.load import load_record
from mirage_model.review.measurements import PACED_PR, UNRELIABLE, doubt_text, measurement_rows

DATA = Path(__file__).parent / "data" / "ludb"


def _row(rows, key):
    return next(r for r in rows if r["key"] == key)


@pytest.mark.parametrize("code", ["paced_rhythm", "paced_rhythm_model"])
def test_paced_rhythm_marks_the_pr_as_av_delay(code):
    m = measure(load_record(DATA / "65.hea"))
    paced = QualityReport("unreliable", "paced rhythm", (Finding(code, "paced rhythm", "critical", ("II",)),))
    row = _row(measurement_rows(m, quality=paced), "pr_ms")
    assert row["value"] == m.pr_ms and row["doubt"] == UNRELIABLE and row["doubt_why"] == PACED_PR
    assert "AV delay" in PACED_PR
    # the finding adds the PR's line and nothing else: what the record's own measurement marks (LUDB 65's QT, whose
    # T end the tangent method puts 56 ms later in II) is marked with or without it
    unpaced = doubt_text(measurement_rows(m))
    assert [t for t in doubt_text(measurement_rows(m, quality=paced)) if t not in unpaced] == [
        f"Unreliable (?): PR: {PACED_PR}"]
    # no other row, and no mark without the finding (LUDB 65, sinus rhythm: PR 176 ms)
    marked = {r["key"] for r in measurement_rows(m) if r["doubt"]}
    assert {r["key"] for r in measurement_rows(m, quality=paced) if r["doubt"]} - marked == {"pr_ms"}
    assert _row(measurement_rows(m), "pr_ms")["doubt"] == ""
