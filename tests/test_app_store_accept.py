"""The message bar's Review store change... (``OverReadsMixin.review_store_change``): shown with the message that the
over-read store is refused for having lost what it held (``review.store_memory``), never for a store read as it is or
a damaged one; its dialog says what the store held when last read here and holds now. Keep refusing (the default)
changes nothing on disk; Accept the store as it is now takes it through ``OverReadStore.accept`` (as ``mirage
overreads --accept``) and the open record's over-read is read from it again; Choose another store file... opens
Settings.

Had been: the message said to run 'mirage overreads --accept' in a terminal; the app offered no way.

Truth: the signatures the test makes, the copies of the store it puts back by hand. Records: the bundled PTB-XL
00417_lr (A) and LUDB 14 (B), with the tiny statements model of test_app_overread."""

from __future__ import annotations

import json
import shutil

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from app.settings import SettingsDialog  # noqa: E402

from helpers_app import isolated_settings, tiny_model  # noqa: E402,F401 - fixtures
from test_app_dialogs_accessibility import badly_named  # noqa: E402
from test_app_overread import A, B, WAIT_MS, _rows, _window, statements_model  # noqa: E402,F401 - fixture

pytestmark = pytest.mark.skipif(not (A.is_file() and B.is_file()), reason="bundled samples not present")


def _answer(monkeypatch, button: str) -> list:
    """The dialog's exec clicks ``button``; the boxes shown are returned in the list."""
    boxes = []

    def exec_(box):
        boxes.append(box)
        [b] = [b for b in box.buttons() if b.text().replace("&", "") == button]
        b.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return boxes


def _sign_then_open(qtbot, window, signer: str, record) -> None:
    panel, it, rows = _rows(window)
    rows[0][0].click()
    panel.sign(signer)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(str(record))


def test_the_button_comes_with_a_refused_store_alone_and_keep_refusing_changes_nothing(
        qtbot, tiny_model, statements_model, tmp_path, monkeypatch):
    store = tmp_path / "share" / "overreads.sqlite"
    store.parent.mkdir()
    window = _window(qtbot, tiny_model, statements_model, str(store))
    _sign_then_open(qtbot, window, "Dr Kept", B)
    assert window.store_review.isHidden()                   # read as it is
    kept = store.read_bytes()
    store.write_bytes(b"not a database " * 400)             # damaged: refused for that, nothing to accept
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(str(A))
    assert "could not be read" in window.message_bar.text() and window.store_review.isHidden()
    store.write_bytes(b"")                                  # a sync tool's failed copy
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(str(B))
    assert "it holds nothing now" in window.message_bar.text() and window.store_review.isVisible()
    memory = window.overread_store().memory.path
    before = (store.read_bytes(), memory.read_bytes())
    boxes = _answer(monkeypatch, "Keep refusing")
    window.store_review.click()
    [box] = boxes
    assert box.defaultButton() is box.escapeButton() and box.defaultButton().text().replace("&", "") == "Keep refusing"
    assert badly_named(box) == []
    said = box.informativeText()
    # two writes: the decision clicked (a draft), then the signature
    assert "): 1 over-read and 1 signature, written 2 times, store id " in said, said
    assert "Now: 0 over-reads and 0 signatures, written 0 times, store id none; the file is 0 bytes" in said
    assert (store.read_bytes(), memory.read_bytes()) == before
    assert window.store_review.isVisible() and "it holds nothing now" in window.message_bar.text()
    panel, it, rows = _rows(window)
    assert "Over-read unknown (its store could not be read)" in panel.status.text(), panel.status.text()
    _answer(monkeypatch, "Choose another store file...")
    window.store_review.click()
    [dialog] = [d for d in window.findChildren(SettingsDialog) if d.isVisible()]
    assert dialog.store.path.hasFocus() or dialog.store.path is dialog.focusWidget()
    dialog.reject()
    assert (store.read_bytes(), memory.read_bytes()) == before
    store.write_bytes(kept)                                 # the right file put back: nothing to ask, read again
    boxes = _answer(monkeypatch, "Keep refusing")
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.store_review.click()
    assert boxes == [] and window.store_review.isHidden() and window.message_bar.isHidden()
    panel, it, rows = _rows(window)
    assert "Not over-read" in panel.status.text(), panel.status.text()     # B: never signed


def test_accepting_an_older_copy_reads_its_signature_again(qtbot, tiny_model, statements_model, tmp_path, monkeypatch):
    store = tmp_path / "share" / "overreads.sqlite"
    store.parent.mkdir()
    window = _window(qtbot, tiny_model, statements_model, str(store))
    _sign_then_open(qtbot, window, "Dr Kept", B)            # A signed: 1 over-read, 1 signature
    shutil.copy(store, tmp_path / "old.sqlite")
    _sign_then_open(qtbot, window, "Dr Later", A)           # B signed too: 2 and 2
    shutil.copy(tmp_path / "old.sqlite", store)             # an older copy put back
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(str(B))
    assert "it holds an earlier state of it now" in window.message_bar.text() and window.store_review.isVisible()
    memory = window.overread_store().memory.path
    boxes = _answer(monkeypatch, "Accept the store as it is now")
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.store_review.click()
    assert "Now: 1 over-read and 1 signature" in boxes[0].informativeText()
    assert "Its id is the same" in boxes[0].informativeText()
    assert store.read_bytes() == (tmp_path / "old.sqlite").read_bytes()    # accepting wrote nothing into it
    assert window.message_bar.isHidden() and window.store_review.isHidden()
    panel, it, rows = _rows(window)                         # B read again: the older copy has no over-read of it
    assert "Not over-read" in panel.status.text(), panel.status.text()
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(str(A))
    panel, it, rows = _rows(window)
    assert "Over-read by Dr Kept" in panel.status.text(), panel.status.text()
    [was] = json.loads(memory.read_text(encoding="utf-8"))[str(store)]["accepted_over"]
    assert (was["overreads"], was["signatures"]) == (2, 2)


def _refused_with_a_comment_typed(qtbot, window, store, comment: str):
    """A signed, B opened, the store emptied, A opened again (refused), a decision clicked and ``comment`` typed
    into A's over-read: kept in the session alone."""
    _sign_then_open(qtbot, window, "Dr Kept", B)
    store.write_bytes(b"")                                  # a sync tool's failed copy
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(str(A))
    panel, it, rows = _rows(window)
    rows[0][0].click()
    panel.comment.setPlainText(comment)
    window.flush_overread()
    assert window.store_review.isVisible() and "could not be written" in window.message_bar.text()
    return panel


def test_accepting_with_an_unkept_overread_on_screen_asks_and_no_keeps_it(
        qtbot, tiny_model, statements_model, tmp_path, monkeypatch):
    """Accept with an over-read typed while the store was refused: reading the record again from the store taken
    would drop it, so the reviewer is asked in the accept's words; No keeps it on screen (kept by the next change),
    the focus on the over-read. Had been: "Open 00417_lr.hea now?", a record the reviewer had not asked to open."""
    store = tmp_path / "share" / "overreads.sqlite"
    store.parent.mkdir()
    window = _window(qtbot, tiny_model, statements_model, str(store))
    window.ask_before_quit = True                           # a person at the window
    window.activateWindow()
    panel = _refused_with_a_comment_typed(qtbot, window, store, "typed while refused")
    boxes = []

    def question(parent, title, text, *args):
        boxes.append((title, text))
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", question)
    _answer(monkeypatch, "Accept the store as it is now")
    window.store_review.setFocus()
    window.store_review.click()
    [(title, text)] = boxes
    assert title == "Over-read not signed" and text.startswith(
        f"Read {A.name} again from the over-read store taken ({store})?\n\n- the over-read of {A.name} is not "
        "signed (it would be lost)."), text
    assert "No keeps it on screen" in text and "Open " not in text, text
    assert panel.comment.toPlainText() == "typed while refused" and window.message_bar.isHidden()
    assert window.overread_kept()                           # the store taken keeps it now
    assert "Not over-read" in panel.status.text() and "unknown" not in panel.status.text(), panel.status.text()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.first_control(), timeout=WAIT_MS)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(str(B))
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(str(A))
    panel, it, rows = _rows(window)
    assert panel.comment.toPlainText() == "typed while refused"


def test_accepting_reads_the_record_again_and_puts_the_focus_on_its_overread(
        qtbot, tiny_model, statements_model, tmp_path, monkeypatch):
    """Yes (read it again): the over-read on screen goes, as the reviewer said; the focus lands on the over-read
    read again (its first row), not on the button's neighbour. Had been: "True scale", the trace view's button."""
    store = tmp_path / "share" / "overreads.sqlite"
    store.parent.mkdir()
    window = _window(qtbot, tiny_model, statements_model, str(store))
    window.ask_before_quit = True
    window.activateWindow()
    _refused_with_a_comment_typed(qtbot, window, store, "typed while refused")
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    _answer(monkeypatch, "Accept the store as it is now")
    window.store_review.setFocus()
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.store_review.click()
    panel, it, rows = _rows(window)
    assert panel.comment.toPlainText() == "" and "Not over-read" in panel.status.text()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.first_control(), timeout=WAIT_MS)
    assert QApplication.focusWidget() is rows[0][0]
