"""A record that was not measured (Esc while it was being measured, a failed measurement) is not a record whose waves
cannot be measured: the measurement table's Source column says "not measured", as the PDF's Automatic column does,
where it had said "not measurable" on every row under "Measurement failed: measuring was cancelled" (a tester's Esc
on PTB Diagnostic s0014lre). Truth: the session's measurements were cancelled here, or a value left out here."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

import mirage_model as mm  # noqa: E402
from mirage_model.measure import Measurements  # noqa: E402
from mirage_model.review.session import ReviewSession  # noqa: E402


def _record():
    path = next((p for p in mm.sample_records() if p.stem == "00417_lr"), None)
    if path is None:
        pytest.skip("bundled sample 00417_lr not present")
    return mm.load_record(path)


def _sources(panel) -> dict[str, str]:
    from app.views.measurements import ROWS

    return {key: panel.table.item(r, 2).text() for r, (key, *_) in enumerate(ROWS)}


def test_a_cancelled_measurement_reads_not_measured(qtbot):
    from app.views.measurements import MeasurementsPanel

    panel = MeasurementsPanel()
    qtbot.addWidget(panel)
    session = ReviewSession(_record())
    panel.set_session(session)
    session.cancel_measurements("measuring was cancelled: open the record again to measure it")
    panel.refresh()
    assert set(_sources(panel).values()) == {"not measured"}, _sources(panel)
    assert "cancelled" in panel.note.text()       # the note above says why


def test_a_value_the_measurement_did_not_find_stays_not_measurable(qtbot):
    from app.views.measurements import MeasurementsPanel

    panel = MeasurementsPanel()
    qtbot.addWidget(panel)
    # measured, but no P wave found: the PR is the record's to lack
    measured = dict(heart_rate_bpm=72.0, rr_ms=833.0, pr_ms=None, qrs_ms=96.0, qt_ms=380.0, qtc_bazett_ms=416.0,
                    qtc_fridericia_ms=404.0, qtc_framingham_ms=403.0, p_axis_deg=None, qrs_axis_deg=30.0,
                    t_axis_deg=40.0, sokolow_lyon_mv=2.0, cornell_mv=1.2, qrs_limb_mv=1.1, qrs_precordial_mv=2.3)
    panel.set_session(ReviewSession.from_results(_record(), measurements=Measurements(**measured, method="test")))
    sources = _sources(panel)
    assert sources["pr_ms"] == "not measurable"
    assert sources["qrs_ms"].startswith("automatic")
