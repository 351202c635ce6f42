"""The batch dialog says "0 / N records" from the start of a run: it had shown nothing (a busy bar, "Loading the
model and listing the folder...") until the first record ended, so that a user waiting on a slow first record did
not know how many the run would score. ``score_folder``'s ``started(total)`` gives N; the app's batch job passes it.

Truth: the folder holds two PTB-XL records (copied here), so N is 2."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings, tiny_model, two_record_folder  # noqa: E402,F401 - fixtures
from helpers_batch import run_batch_dialog  # noqa: E402


def test_the_dialog_says_0_of_2_before_the_first_record_ends(qtbot, tiny_model, tmp_path):
    folder = two_record_folder(tmp_path)
    seen = []       # (status, bar, rows in the table) at each progress the run sends

    def listen(dlg, worker):
        worker.signals.progress.connect(lambda *a: seen.append((dlg.status.text(), dlg.progress.maximum(),
                                                                dlg.progress.value(), dlg.table.rowCount())))

    run_batch_dialog(qtbot, tiny_model, folder, tmp_path / "scores.csv", listen=listen, statements="none")
    before_rows = [s for s in seen if s[3] == 0]
    assert before_rows and before_rows[0] == (
        "0 / 2 records; reading the first records and starting the model...", 2, 0, 0), seen
    assert seen[-1][:3] == ("2 / 2 records", 2, 2), seen
