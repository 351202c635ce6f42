"""The over-read's dialogs (app/views/overread.py): Sign... refuses an empty name and says why (the library still
takes "" for scripted use); Add statement... starts with no group chosen and accepts only once one is."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QDialogButtonBox, QInputDialog  # noqa: E402

from app.views.overread import AddStatementDialog, OverReadPanel  # noqa: E402
from mirage_model.review.overread import OverRead  # noqa: E402

NONE = SimpleNamespace(statements=[])


def _panel(qtbot) -> OverReadPanel:
    panel = OverReadPanel()
    qtbot.addWidget(panel)
    panel.show_for(SimpleNamespace(overread=OverRead(), changed_on_disk=lambda: ""), NONE)
    return panel


def test_sign_asks_again_for_an_empty_name_and_says_why(qtbot, monkeypatch):
    panel = _panel(qtbot)
    answers, asked = [("   ", True), ("", True), ("Dr Named", True)], []
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: asked.append(a[2]) or answers.pop(0))
    panel.ask_sign()
    assert len(asked) == 3 and "needs the reviewer's name" not in asked[0]
    assert all("needs the reviewer's name" in text for text in asked[1:])
    assert panel.session.overread.reader == "Dr Named" and panel.session.overread.signed_at is not None


def test_sign_cancelled_after_an_empty_name_leaves_it_unsigned(qtbot, monkeypatch):
    panel = _panel(qtbot)
    answers = [("", True), ("", False)]
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: answers.pop(0))
    panel.ask_sign()
    assert panel.session.overread.signed_at is None and not answers


def test_the_library_still_signs_without_a_name():
    ov = OverRead()
    ov.sign(NONE, "")
    assert ov.signed_at is not None and ov.reader == ""


def test_add_statement_starts_with_no_group_and_needs_one(qtbot):
    dlg = AddStatementDialog()
    qtbot.addWidget(dlg)
    dlg.show()
    ok = dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    assert dlg.group.currentIndex() == -1 and dlg.group.currentText() == ""
    dlg.words.setText("Early repolarisation, inferior leads")
    assert not ok.isEnabled()
    dlg.group.setCurrentIndex(dlg.group.findText("rhythm"))
    assert ok.isEnabled()
    dlg.words.setText("   ")
    assert not ok.isEnabled()


def test_add_statement_shows_a_statement_whole_as_it_is_typed(qtbot):
    """The statement's field was Qt's default width, about 17 characters (125 px): its example was cut ("e.g. Early
    repolari...") and a statement typed scrolled out of view. Truth: each of the 71 PTB-XL statements' words, in the
    field's font, fits within the field's text area (its frame, text margins and Qt's 2 px a side taken off)."""
    from mirage_model.review.interpret.statements import STATEMENTS

    dlg = AddStatementDialog()
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    words = dlg.words
    margins = words.textMargins()
    room = words.contentsRect().width() - margins.left() - margins.right() - 2 * 2
    texts = [info.text for info in STATEMENTS.values()] + [words.placeholderText()]
    assert len(texts) == 72 and "Voltage criteria for left ventricular hypertrophy" in texts
    for text in texts:
        assert words.fontMetrics().horizontalAdvance(text) <= room, text
