"""The batch dialog's end line says how many of the failed records were read but hold no usable signal (status
"unscorable": a flat file, a mains hum copied to every lead), as ``mirage score`` says it: the dialog had said
"2 failed" alone, the same words as for two files it could not read, while the table showed both in red.

Truth: the summary given (two failed rows, one of them unscorable), and mirage score's words for it."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings  # noqa: E402,F401 - fixture


def test_the_end_line_says_which_failed_rows_hold_no_usable_signal(qtbot, tmp_path):
    from app.dialogs.batch import BatchDialog
    from mirage_model.review.batch.run import BatchSummary

    out = tmp_path / "scores.csv"
    dlg = BatchDialog(None, device="auto", folder=str(tmp_path))
    qtbot.addWidget(dlg)
    dlg.output.setText(str(out))
    summary = BatchSummary(scored=1, skipped=0, seconds=1.0, records_per_s=1.0, out_path=out, unscorable=1,
                           errors=[("bad.hea", "bad.dat: signal file is truncated"),
                                   ("hum.hea", "signal quality unscorable: no QRS complexes")])
    dlg._done(summary)
    assert dlg.status.text().startswith(
        "Done: 1 scored, 2 failed (1.0 records/s); 1 of the failed holds no usable signal: status 'unscorable'. "
        f"Results in {out}."), dlg.status.text()
