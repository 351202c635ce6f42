"""The over-read store chosen in File > Settings... (``app.dialogs.store_row``): a file that cannot keep over-reads
(its folder not there, a share not mounted; another program's database; a damaged file) is refused before it is kept,
the reason said in the dialog, the settings unchanged; a good one is kept without a file made; an administrator's
file (the system-wide settings) is said as such and Default goes back to it. Changing the store with the open
record's over-read unsigned asks first, as leaving the record does, and the record is read again from the new store.
The tiny statements model of test_app_overread on the bundled PTB-XL 00417_lr."""

from __future__ import annotations

import sqlite3

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from app.settings import Settings, SettingsDialog  # noqa: E402
from helpers_app import isolated_settings, tiny_model  # noqa: E402,F401 - fixtures
from test_app_overread import A, WAIT_MS, _rows, _window, statements_model  # noqa: E402,F401 - fixture

pytestmark = pytest.mark.skipif(not A.is_file(), reason="bundled sample not present")


def _dialog(qtbot, settings, **kw) -> SettingsDialog:
    dlg = SettingsDialog(settings, **kw)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def test_a_store_that_cannot_keep_over_reads_is_refused_saying_why(qtbot, tmp_path):
    settings = Settings()
    before = settings.overread_store
    other = tmp_path / "other.sqlite"           # another program's database, named by mistake
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE patients (id TEXT)")
    con.commit()
    con.close()
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x10\x00" + b"\x00" * 200)
    cases = {tmp_path / "mnt" / "share" / "overreads.sqlite":
             f"its folder {tmp_path / 'mnt' / 'share'} is not there (a shared folder not mounted?)",
             other: "it is another program's database, not an over-read store (its tables: patients)",
             damaged: "the file is damaged"}
    for path, why in cases.items():
        dlg = _dialog(qtbot, settings)
        dlg.store.path.setText(str(path))
        dlg.accept()
        assert dlg.isVisible() and dlg.result() != SettingsDialog.DialogCode.Accepted     # nothing kept
        said = dlg.store.refusal.text()
        assert dlg.store.refusal.isVisible() and said.startswith(f"Not kept: the over-read store {path} could not")
        assert why in said
        assert settings.overread_store == before and not (tmp_path / "mnt").exists()
        dlg.reject()
    good = tmp_path / "ward" / "overreads.sqlite"
    good.parent.mkdir()
    dlg = _dialog(qtbot, settings)
    dlg.store.path.setText(str(good))
    dlg.accept()
    assert dlg.result() == SettingsDialog.DialogCode.Accepted and not dlg.store.refusal.isVisible()
    dlg.apply()
    assert settings.overread_store == str(good) and list(good.parent.iterdir()) == []     # checked, nothing made


def test_an_administrators_store_is_said_and_default_goes_back_to_it(qtbot, tmp_path):
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.SystemScope, str(tmp_path / "sys"))
    try:
        (tmp_path / "sys" / "MIRAGE").mkdir(parents=True)
        ini = tmp_path / "sys" / "MIRAGE" / "MIRAGE Review.ini"
        ini.write_text(f"[overread]\nstore={tmp_path / 'dept.sqlite'}\n", encoding="utf-8")
        settings = Settings()
        settings.overread_store = str(tmp_path / "mine.sqlite")       # the user's own hides it
        dlg = _dialog(qtbot, settings)
        assert dlg.store.path.text() == str(tmp_path / "mine.sqlite")
        assert dlg.store.note.isVisible() and dlg.store.note.text() == (
            f"Your administrator keeps over-reads in {tmp_path / 'dept.sqlite'} ({ini}); Default goes back to it.")
        assert dlg.store.path.placeholderText() == f"{tmp_path / 'dept.sqlite'} (your administrator's)"
        dlg.store.default.click()
        dlg.accept()
        assert dlg.result() == SettingsDialog.DialogCode.Accepted
        dlg.apply()
        assert settings.overread_store == str(tmp_path / "dept.sqlite")
        assert settings.store_settings().admin_file == str(ini)
    finally:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.SystemScope, "/etc/xdg")     # Qt's own again


def test_this_runs_store_from_the_environment_is_said(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("MIRAGE_OVERREAD_STORE", str(tmp_path / "env.sqlite"))
    dlg = _dialog(qtbot, Settings())
    assert dlg.store.note.text() == (f"This run keeps over-reads in {tmp_path / 'env.sqlite'} (set by "
                                     "$MIRAGE_OVERREAD_STORE), which comes before this setting.")


def _settings_store(monkeypatch, window, path, answer):
    """File > Settings..., the over-read store set to ``path``, OK; ``answer`` to a question; the questions asked."""
    asked = []
    window.ask_before_quit = True
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or answer)
    dlg = window.settings_dialog()
    dlg.store.path.setText(str(path))
    dlg.accept()
    return dlg, asked


def test_changing_the_store_asks_first_and_reads_the_record_again(qtbot, tiny_model, statements_model, tmp_path,
                                                                   monkeypatch):
    first, second = tmp_path / "first.sqlite", tmp_path / "second.sqlite"
    window = _window(qtbot, tiny_model, statements_model, str(first))
    panel, it, rows = _rows(window)
    panel.sign("Dr First")                      # kept in the first store
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        dlg, asked = _settings_store(monkeypatch, window, second, QMessageBox.StandardButton.No)
    assert asked == [] and window.settings.overread_store == str(second)      # signed and kept: nothing to ask
    panel, it, rows = _rows(window)
    assert window.session.overread.signed_at is None and "Not over-read" in panel.status.text()   # the second's
    rows[0][0].click()                          # a draft, unsigned, in the second store
    dlg, asked = _settings_store(monkeypatch, window, first, QMessageBox.StandardButton.No)
    assert len(asked) == 1 and asked[0].startswith(f"Keep over-reads in {first} from now")
    assert f"is not signed (its draft stays in {second}" in asked[0]
    assert dlg.isVisible() and window.settings.overread_store == str(second)
    assert dlg.store.refusal.text() == f"Not changed: the open record's over-read is still kept in {second}."
    assert window.session.overread.decision(it.statements[0]).verdict == "confirmed"
    dlg.reject()
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        dlg, asked = _settings_store(monkeypatch, window, first, QMessageBox.StandardButton.Yes)
    assert len(asked) == 1 and window.settings.overread_store == str(first)
    panel, it, rows = _rows(window)
    assert window.session.overread.reader == "Dr First" and "Over-read by Dr First" in panel.status.text()
    window.ask_before_quit = False
