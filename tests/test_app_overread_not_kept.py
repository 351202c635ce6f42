"""The over-read panel after a save the store did not keep (``app.window.overreads`` over ``review.store``): two
windows on one store at one record, the later signer's panel says plainly that its over-read is not kept, naming the
signature the store holds, in the warning colour (it had read "Over-read by Dr B" in green, as if kept, while the
message bar alone said otherwise), until the record is opened again; a store that cannot be written says so too, until
a save keeps it. The tiny statements model of test_app_overread (sinus rhythm on PTB-XL 00417_lr), bundled."""

from __future__ import annotations

from html import escape

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QInputDialog  # noqa: E402

from app.views.overread import GREEN, RED  # noqa: E402
from helpers_app import isolated_settings, tiny_model  # noqa: E402,F401 - fixtures
from test_app_overread import A, B, WAIT_MS, _rows, _window, statements_model  # noqa: E402,F401 - fixture
from mirage_model.review.store import OverReadStore, overread_key  # noqa: E402

pytestmark = pytest.mark.skipif(not (A.is_file() and B.is_file()), reason="bundled samples not present")

KEEPS = escape("(the one below is this window's alone: File > Export PDF report keeps it)")  # as the label's HTML


def _open(qtbot, window, path):
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        assert window.open_record(str(path)) is not None


def test_the_later_signers_panel_says_theirs_is_not_kept_until_opened_again(qtbot, tiny_model, statements_model,
                                                                            monkeypatch, tmp_path):
    """Dr A signs; Dr B, who opened the record before, strikes a statement and signs: Dr B's panel says first, in red,
    that the store holds Dr A's signature (its time worked out from Dr A's window) and Dr B's is not kept, and Dr B's
    signature line is red, not green; the record opened again (Dr A's restored) says nothing of it."""
    store = tmp_path / "shared" / "overreads.sqlite"
    store.parent.mkdir()
    first = _window(qtbot, tiny_model, statements_model, str(store))
    second = _window(qtbot, tiny_model, statements_model, str(store))
    panel, it, rows = _rows(first)
    rows[0][0].click()
    panel.sign("Dr A")
    signed_at = first.session.overread.signed_at
    assert f"color:{GREEN}'>Over-read by Dr A" in panel.status.text()       # kept: green, nothing "not kept"
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("not sinus", True))
    panel, it, rows = _rows(second)
    rows[0][1].click()
    said = (f"Not kept: the store holds the over-read signed by Dr A on {signed_at:%Y-%m-%d %H:%M} UTC in another "
            f"MIRAGE Review {KEEPS}")
    assert f"color:{RED}'>{said}</b>" in panel.status.text()               # at the strike, before any signature
    panel.sign("Dr B")
    shown = panel.status.text()
    assert shown.startswith(f"<b style='color:{RED}'>{said}</b><br>"), shown
    assert f"<b style='color:{RED}'>Over-read by Dr B" in shown and GREEN not in shown
    assert [who for who, _, _ in OverReadStore(store).signatures(overread_key(first.session.record))] == ["Dr A"]
    second.ask_before_quit = False
    _open(qtbot, second, B)
    _open(qtbot, second, A)
    panel, it, rows = _rows(second)
    assert "Not kept" not in panel.status.text() and f"color:{GREEN}'>Over-read by Dr A" in panel.status.text()


def test_a_store_that_cannot_be_written_is_said_on_the_panel_until_a_save_keeps_it(qtbot, tiny_model,
                                                                                    statements_model, tmp_path):
    """A damaged store (not a database): the confirmation and then the signature are not kept, and the panel says so
    naming the file, the signature not green; the damaged file moved aside, the next change is kept and the panel
    says nothing of it, its signature green."""
    store = tmp_path / "overreads.sqlite"
    store.write_bytes(b"garbage " * 200)
    window = _window(qtbot, tiny_model, statements_model, str(store))
    panel, it, rows = _rows(window)
    rows[0][0].click()
    said = f"Not kept: the over-read store {store} could not be written: file is not a database"
    assert said in panel.status.text() and KEEPS in panel.status.text()
    panel.sign("Dr A")
    assert said in panel.status.text() and GREEN not in panel.status.text()
    store.rename(tmp_path / "damaged.sqlite")
    panel.sign("Dr A")          # signed again: kept in a new file
    assert OverReadStore(store).load(overread_key(window.session.record))[0]["reader"] == "Dr A"
    assert "Not kept" not in panel.status.text() and f"color:{GREEN}'>Over-read by Dr A" in panel.status.text()
    window.ask_before_quit = False
