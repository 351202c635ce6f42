"""The batch dialog's "positive" cell of a record whose calls the quality gate withheld: it was empty, as a
clean record's is, with the withheld calls in a column far to the right. It says "withheld: <reason>" (the
calls and the whole reason on hover), as ``mirage report`` says "positive: none (withheld: ...)". Truth:
PTB-XL 17506_lr's row (fold 8, paced) as mirage score wrote it, and the words written out by hand."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from helpers_app import isolated_settings, with_a_header  # noqa: E402,F401
from mirage_model.review.batch.rows import withheld_words  # noqa: E402

PACED_WHY = "paced rhythm (statements model, P=0.93; pacemaker spikes not checked at 100 Hz)"
PACED = {"record_id": "17506_lr", "record_path": "17506_lr.hea", "status": "ok", "positive": "",
         "withheld_positive": "MI;CD", "quality": f"unreliable ({PACED_WHY})"}
CLEAN = {"record_id": "00001_lr", "record_path": "00001_lr.hea", "status": "ok", "positive": "",
         "withheld_positive": "", "quality": "usable"}


def test_withheld_words():
    assert withheld_words(PACED) == ("withheld: paced rhythm", f"withheld: MI, CD: {PACED_WHY}")
    two = dict(PACED, quality="unreliable (lead missing or flat (II); limb lead reversal suspected (LA/RA))")
    assert withheld_words(two)[0] == "withheld: lead missing or flat; limb lead reversal suspected"
    assert withheld_words(CLEAN) == ("", "")
    assert withheld_words(dict(PACED, positive="MI")) == ("", "")        # nothing withheld from it


def test_the_dialog_says_withheld_in_the_positive_cell(qtbot, tmp_path):
    from app.dialogs.batch import BatchDialog

    dlg = BatchDialog(None, predictor=object(), device="auto", folder=str(with_a_header(tmp_path)))
    qtbot.addWidget(dlg)
    dlg._add_row(dict(PACED))
    dlg._add_row(dict(CLEAN))
    c = dlg.columns.index("positive")
    by_id = {dlg.table.item(r, dlg.columns.index("record_id")).text(): r for r in range(dlg.table.rowCount())}
    paced = dlg.table.item(by_id["17506_lr"], c)
    assert paced.text() == "withheld: paced rhythm"
    assert paced.toolTip() == f"withheld: MI, CD: {PACED_WHY}"
    assert dlg.table.item(by_id["00001_lr"], c).text() == ""          # a clean record's stays empty
