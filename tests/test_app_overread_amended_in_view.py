"""The over-read panel at 1280x800 (pytest-qt, offscreen): what an amendment changed is said where the panel opens,
without scrolling, the signature it amends named once, and the first statement's row in view under it. LUDB 1 (bundled)
signed by Dr A with its statement confirmed, then struck with a reason and signed by Dr B: the line "Amended (from ...):
..." had lain under the comment, below the fold of the results column."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, QRect  # noqa: E402
from PySide6.QtWidgets import QApplication, QInputDialog  # noqa: E402

from helpers_app import isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402
from mirage_model.review.interpret import session_interpretation  # noqa: E402

LUDB1 = resources_dir() / "samples" / "ludb" / "1.hea"
pytestmark = pytest.mark.skipif(not LUDB1.is_file(), reason="bundled samples not present")


def test_an_amendments_changes_are_in_view_at_1280x800(qtbot, monkeypatch):
    window = shown_window(qtbot, size=(1280, 800))
    with qtbot.waitSignal(window.analysisFinished, timeout=60000):
        window.open_record(LUDB1)
    panel = window.results.interpretation.overread
    name = session_interpretation(window.session).statements[0].text
    panel._row_buttons(0)[0].click()                                   # confirmed
    panel.sign("Dr A")
    first = window.session.overread.signed_at
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("rate 52 bpm by calipers", True))
    panel.ask_strike(0)
    panel.sign("Dr B")
    qtbot.wait(100)                                                    # laid out
    text = panel.status.text()
    # each fact once: the signature amended on the signature's line, what changed under it (the line under it had
    # named Dr A's signature again, "Amended (from the over-read signed by Dr A on ...)", beside "amended, first
    # signed by Dr A on ...")
    assert f"; amends the over-read signed by Dr A on {first:%Y-%m-%d %H:%M} UTC" in text
    assert f"Changes: {name}: was confirmed, now struck (rate 52 bpm by calipers)" in text
    assert text.count("Dr A") == 1 and text.count("signed by") == 1, text
    view = window.results_scroll.viewport()
    assert window.results_scroll.verticalScrollBar().value() == 0
    # the status, and under it the first statement's row, Confirm and Strike... (they had started below the fold)
    for w in (panel.status, *panel._row_buttons(0)):
        at = QRect(w.mapTo(view, QPoint(0, 0)), w.size())
        assert w.isVisible() and view.rect().contains(at), (w, at, view.rect())


def test_the_first_row_is_scrolled_into_view_when_amending_starts(qtbot, monkeypatch):
    """A long reason for a strike after a signature: the status (not signed, what changed so far, the reason) pushes
    statement 1's row below the results column's fold at 1280x800; it is scrolled into view as the amending starts,
    once the column is laid out (its scroll range changed), not on a timer, and stays in view once signed again."""
    window = shown_window(qtbot, size=(1280, 800))
    with qtbot.waitSignal(window.analysisFinished, timeout=60000):
        window.open_record(LUDB1)
    panel = window.results.interpretation.overread
    panel.sign("Dr A")
    why = "rate 52 bpm by calipers over the whole strip, " * 6
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (why, True))
    view = window.results_scroll.viewport()

    def row_in_view() -> bool:
        name = panel.rows.itemAtPosition(0, 0).widget()
        return all(view.rect().contains(QRect(w.mapTo(view, QPoint(0, 0)), w.size()))
                   for w in (name, *panel._row_buttons(0)))

    panel.ask_strike(0)
    for _ in range(5):      # the layouts Qt was asked for, each posting the next up to the scroll area; no timer runs
        QApplication.sendPostedEvents()
    assert row_in_view()    # in view once laid out (a 100 ms timer had scrolled it: not yet in view here)
    panel.sign("Dr B")
    qtbot.wait(100)
    assert row_in_view()
