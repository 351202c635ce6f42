"""The app's over-read of a record whose file changed (``app.window.overreads`` over ``store.elsewhere``): PTB-XL
00417_lr signed, then a copy of it with one sample changed (a re-export rounding otherwise) opened: nothing is
restored, the panel's title and the message bar say whose over-read is kept and that it is another file's, and File >
Show the over-read kept for another file... shows its text; a comment is saved at once when focus leaves its box.
The tiny statements model of test_app_overread, its bundled record."""

from __future__ import annotations

import html
import shutil

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QEvent  # noqa: E402
from PySide6.QtGui import QFocusEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from helpers_app import isolated_settings, tiny_model  # noqa: E402,F401 - fixtures
from test_app_overread import A, B, WAIT_MS, _rows, _window, statements_model  # noqa: E402,F401 - fixture
from mirage_model.review.store import OverReadStore, overread_key  # noqa: E402

pytestmark = pytest.mark.skipif(not (A.is_file() and B.is_file()), reason="bundled samples not present")


def _open(qtbot, window, path):
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        assert window.open_record(str(path)) is not None


def _one_table_store(store, record) -> None:
    """``store`` written as a store of before loose identities were kept (its one table, built here as it was
    written), holding Dr Old's signed over-read of ``record``."""
    import json
    import sqlite3

    state = {"decisions": [], "added": [["Old statement", "other"]], "comment": "Seen in 2026", "reader": "Dr Old",
             "signed_at": "2026-11-02T09:30:00+00:00", "signed_over": []}
    con = sqlite3.connect(store)
    with con:
        con.execute("CREATE TABLE overread (key TEXT PRIMARY KEY, record TEXT, saved_at TEXT, state TEXT)")
        con.execute("INSERT INTO overread VALUES (?, '00417_lr', '2026-11-02T09:30:00+00:00', ?)",
                    (overread_key(record), json.dumps(state)))
    con.close()


def test_a_changed_copy_is_told_of_the_over_read_kept_and_given_none(qtbot, tiny_model, statements_model,
                                                                       monkeypatch, tmp_path):
    ptbxl = A.parents[2]                       # the sample's PTB-XL folder: its table names the patient and date
    shutil.copytree(ptbxl, tmp_path / "copy")
    changed = tmp_path / "copy" / A.relative_to(ptbxl)
    dat = changed.with_suffix(".dat")
    raw = bytearray(dat.read_bytes())
    raw[2000] ^= 0x01                          # one sample one count off
    dat.write_bytes(bytes(raw))
    window = _window(qtbot, tiny_model, statements_model)
    assert not window.elsewhere_action.isEnabled()
    panel, it, rows = _rows(window)
    rows[0][0].click()
    panel.comment.setPlainText("Compare with the prior")
    panel.sign("Dr Kept")
    signed_at = window.session.overread.signed_at
    _open(qtbot, window, B)
    _open(qtbot, window, changed)
    ov = window.session.overread
    panel, it, rows = _rows(window)
    assert not ov.edited and ov.signed_at is None and ov.comment == "" and panel.comment.toPlainText() == ""
    assert not any(confirm.isChecked() for confirm, _ in rows)
    # PTB-XL's table: patient 4938, recorded 1987-01-29 16:51:21
    said = (f"An over-read of a record named 00417_lr, patient ID PTB-XL patient 4938, recorded "
            f"1987-01-29 16:51:21, signed by Dr Kept on {signed_at:%Y-%m-%d %H:%M} UTC is kept, but this file's "
            "samples differ: not restored (File > Show the over-read kept for another file... to see it)")
    assert html.escape(said) in panel.title.text() and said in window.message_bar.text()
    assert window.elsewhere_action.isEnabled()
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    window.elsewhere_action.trigger()
    assert len(shown) == 1 and "Signed by Dr Kept on" in shown[0] and "Comment: Compare with the prior" in shown[0]
    assert f"Confirmed: {it.statements[0].text}" in shown[0]
    # another record opened: the notice and File > Show... go at once, and stay gone where it cannot be opened (the
    # menu had gone on showing the other file's over-read over "bad.hea could not be opened")
    bad = tmp_path / "bad.hea"
    bad.write_text("garbage\n")

    def on_screen():
        return "".join(w.text() for w in (window.message_bar, panel.title) if w.isVisible())

    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        assert window.open_record(str(bad)) is not None
        assert not window.elsewhere_action.isEnabled() and "samples differ" not in on_screen()
    assert "bad.hea could not be opened" in window.windowTitle() and not window.elsewhere_action.isEnabled()
    window.show_elsewhere()
    assert len(shown) == 1 and "samples differ" not in on_screen()
    _open(qtbot, window, changed)              # shown again with its record
    assert window.elsewhere_action.isEnabled() and said in window.message_bar.text()
    _open(qtbot, window, A)                    # the signed file itself: restored, no notice
    assert window.session.overread.signed_at == signed_at and "samples differ" not in _rows(window)[0].title.text()
    assert not window.elsewhere_action.isEnabled()


def test_an_over_read_kept_without_a_loose_identity_gains_it_when_its_file_is_opened(qtbot, tiny_model,
                                                                                     statements_model, tmp_path):
    """A store written before loose identities were kept (its one table, built here as it was written): the record's
    own file opened restores it and keeps its loose identity, so a changed copy opened next is told of it (it had
    found nothing: such a store was silent until the over-read was edited and saved again)."""
    ptbxl = A.parents[2]
    shutil.copytree(ptbxl, tmp_path / "copy")
    changed = tmp_path / "copy" / A.relative_to(ptbxl)
    dat = changed.with_suffix(".dat")
    raw = bytearray(dat.read_bytes())
    raw[2000] ^= 0x01
    dat.write_bytes(bytes(raw))
    store = tmp_path / "old.sqlite"
    window = _window(qtbot, tiny_model, statements_model, str(store))       # A open; nothing kept, nothing written
    assert not store.exists()
    _one_table_store(store, window.session.record)
    _open(qtbot, window, B)
    _open(qtbot, window, A)
    assert window.session.overread.reader == "Dr Old" and window.session.overread.comment == "Seen in 2026"
    _open(qtbot, window, changed)
    panel = _rows(window)[0]
    assert window.session.overread.reader == "" and window.elsewhere_action.isEnabled()
    said = ("An over-read of a record named 00417_lr, patient ID PTB-XL patient 4938, recorded 1987-01-29 16:51:21, "
            "signed by Dr Old on 2026-11-02 09:30 UTC is kept, but this file's samples differ: not restored")
    assert html.escape(said) in panel.title.text() and said in window.message_bar.text()


def test_a_comment_is_saved_when_focus_leaves_its_box(qtbot, tiny_model, statements_model):
    """Saved at once, not once typing pauses (``COMMENT_PAUSE_MS``): a crash right after loses nothing."""
    window = _window(qtbot, tiny_model, statements_model)
    panel, it, rows = _rows(window)
    store, key = OverReadStore(window.settings.overread_store), overread_key(window.session.record)
    panel.comment.setPlainText("Typed, then Tab")
    assert store.load(key) is None                                      # waiting for the typing to pause
    QApplication.sendEvent(panel.comment, QFocusEvent(QEvent.Type.FocusOut))
    state, _ = store.load(key)
    assert state["comment"] == "Typed, then Tab"


def test_a_store_that_cannot_keep_a_loose_identity_is_not_said_to_fail(qtbot, tiny_model, statements_model, tmp_path,
                                                                         monkeypatch):
    """An over-read kept without a loose identity in a store that cannot be written (a read-only share; faked here,
    the tests run as a user who writes any file): the record opened restores it, says nothing of a failed write
    (the reader changed nothing; the store had said "could not be written" at every such record) and tries the
    write once per store, not at every opening."""
    from mirage_model.review.store import StoreError

    store = tmp_path / "old.sqlite"
    window = _window(qtbot, tiny_model, statements_model, str(store))
    _one_table_store(store, window.session.record)
    tries = []

    def refused(self, key, loose):
        tries.append(key)
        raise StoreError(f"The over-read store {self.path} could not be written: attempt to write a readonly database",
                         "attempt to write a readonly database")

    monkeypatch.setattr(OverReadStore, "keep_loose", refused)
    for path in (B, A, B, A):
        _open(qtbot, window, path)
        if path == A:
            assert window.session.overread.reader == "Dr Old"
            assert "could not be written" not in window.message_bar.text(), window.message_bar.text()
    assert len(tries) == 1
