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
