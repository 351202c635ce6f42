"""The batch dialog's measurement cells read as the window's measurement panel and the PDF give them: whole ms, bpm
and degrees, mV to 0.01. Every number under 10 had the probabilities' 3 decimals and every other none, so the QRS
axis column read "-5.400", "6.700" and "-66" one under the other (a staff walk: 30 PTB-XL records of folds 1-8).
Truth: the three records' rows as mirage score wrote them, rounded by hand."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from helpers_app import isolated_settings, with_a_header  # noqa: E402,F401

ROWS = (
    {"record_id": "00408_lr", "record_path": "00408_lr.hea", "status": "ok", "prob_NORM": 0.134247,
     "heart_rate_bpm": 93.9, "qrs_ms": 105.8, "qrs_axis_deg": -5.4, "t_axis_deg": 83.0, "sokolow_lyon_mv": 2.07},
    {"record_id": "00455_lr", "record_path": "00455_lr.hea", "status": "ok", "prob_NORM": 0.00206,
     "heart_rate_bpm": 73.6, "qrs_ms": 154.8, "qrs_axis_deg": -65.9, "t_axis_deg": 111.3, "sokolow_lyon_mv": 1.69},
    {"record_id": "00476_lr", "record_path": "00476_lr.hea", "status": "ok", "prob_NORM": 0.009214,
     "heart_rate_bpm": 58.1, "qrs_ms": 94.8, "qrs_axis_deg": 6.7, "t_axis_deg": -133.0, "sokolow_lyon_mv": 2.69},
    # an axis of -0.4 deg is 0, no "-0"
    {"record_id": "00477_lr", "record_path": "00477_lr.hea", "status": "ok", "prob_NORM": 0.5,
     "heart_rate_bpm": 60.0, "qrs_ms": 90.0, "qrs_axis_deg": -0.4, "t_axis_deg": 0.0, "sokolow_lyon_mv": 0.0},
)
SHOWN = {
    "00408_lr": ("0.134", "94", "106", "-5", "83", "2.07"),
    "00455_lr": ("0.002", "74", "155", "-66", "111", "1.69"),
    "00476_lr": ("0.009", "58", "95", "7", "-133", "2.69"),
    "00477_lr": ("0.500", "60", "90", "0", "0", "0.00"),
}
KEYS = ("prob_NORM", "heart_rate_bpm", "qrs_ms", "qrs_axis_deg", "t_axis_deg", "sokolow_lyon_mv")


def test_measurements_read_as_the_window_gives_them(qtbot, tmp_path):
    from app.dialogs.batch import BatchDialog

    dlg = BatchDialog(None, predictor=object(), device="auto", folder=str(with_a_header(tmp_path)))
    qtbot.addWidget(dlg)
    for row in ROWS:
        dlg._add_row(dict(row))
    table = dlg.table
    for r in range(table.rowCount()):
        rid = table.item(r, dlg.columns.index("record_id")).text()
        assert tuple(table.item(r, dlg.columns.index(k)).text() for k in KEYS) == SHOWN[rid], rid


def test_a_measurement_near_its_limit_reads_as_the_panel_and_the_pdf_read_it(qtbot, tmp_path):
    """A QRS of 119.6 ms had read "120" in the dialog (a wide QRS), "119.6" in the window's panel and the PDF (the
    README: 'QRS 119.6 ms shows "119.6", unflagged, and is no wide QRS'); one rule for the three now
    (``ranges.shown_value``). Truth: the limit of 120 ms, by hand: 119.6 stays below it, 119.4 and 120.4 round on
    their own side."""
    from app.dialogs.batch import BatchDialog
    from mirage_model.review.measurements.table import measurement_rows

    dlg = BatchDialog(None, predictor=object(), device="auto", folder=str(with_a_header(tmp_path)))
    qtbot.addWidget(dlg)
    for rid, qrs in (("a", 119.6), ("b", 119.4), ("c", 120.4)):
        dlg._add_row({"record_id": rid, "record_path": f"{rid}.hea", "status": "ok", "qrs_ms": qrs,
                      "sex_used": "M", "age_used": 60.0})
    c = dlg.columns.index("qrs_ms")
    assert [dlg.table.item(r, c).text() for r in range(3)] == ["119.6", "119", "120"]
    from mirage_model.measure import Measurements

    m = Measurements(*([None] * 3), 119.6, *([None] * 6))
    panel = {r["key"]: r for r in measurement_rows(m, sex="M", age=60)}        # the panel's, the PDF's
    assert panel["qrs_ms"]["shown"] == "119.6"
