"""Which over-read store the app, ``mirage report`` and ``mirage overreads`` read (``review.store_location``): the
command line's file, else $MIRAGE_OVERREAD_STORE, else the settings' key overread/store (the user's, else an
admin's), else overreads.sqlite beside the user's settings; the same choice in the app as in the commands. Stores
written here by hand; record: LUDB 1 (bundled)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from mirage_model.review.store import OverReadStore
from mirage_model.review.store_location import (ADMIN, COMMAND_LINE, DEFAULT, ENVIRONMENT, SETTINGS, SettingsStore,
                                                store_choice)
from training_cli.main import main


def _signed(path: Path, reader: str) -> OverReadStore:
    store = OverReadStore(path)
    store.save("k1", {"decisions": [], "added": [], "comment": "", "reader": reader,
                      "signed_at": "2026-12-06T08:00:00+00:00", "signed_over": []},
               record="1", now=datetime(2026, 12, 6, 8, 0, tzinfo=timezone.utc))
    return store


def test_the_command_line_then_the_environment_then_the_settings_then_the_default(tmp_path, monkeypatch):
    said = SettingsStore("/srv/room.sqlite", "", tmp_path / "cfg" / "overreads.sqlite")
    admin = SettingsStore("/srv/dept.sqlite", "/etc/xdg/MIRAGE/MIRAGE Review.ini",
                          tmp_path / "cfg" / "overreads.sqlite")
    none = SettingsStore("", "", tmp_path / "cfg" / "overreads.sqlite")
    assert (store_choice(None, none).path, store_choice(None, none).source) == (tmp_path / "cfg" / "overreads.sqlite",
                                                                                DEFAULT)
    assert not store_choice(None, none).named and store_choice(None, none).store().make_folder
    assert (store_choice(None, said).path, store_choice(None, said).source) == (Path("/srv/room.sqlite"), SETTINGS)
    choice = store_choice(None, admin)
    assert (choice.path, choice.source) == (Path("/srv/dept.sqlite"), ADMIN)
    assert choice.why() == "set by your administrator in /etc/xdg/MIRAGE/MIRAGE Review.ini"
    monkeypatch.setenv("MIRAGE_OVERREAD_STORE", "/mnt/share/ward.sqlite")
    for settings in (none, said, admin):
        choice = store_choice(None, settings)
        assert (choice.path, choice.source) == (Path("/mnt/share/ward.sqlite"), ENVIRONMENT)
        assert not choice.store().make_folder and choice.why() == "set by $MIRAGE_OVERREAD_STORE"
        assert (store_choice("/tmp/x.sqlite", settings).path, store_choice("/tmp/x.sqlite", settings).source) == (
            Path("/tmp/x.sqlite"), COMMAND_LINE)
    monkeypatch.setenv("MIRAGE_OVERREAD_STORE", "  ")       # set but empty: as if not set
    assert store_choice(None, said).source == SETTINGS


def test_the_commands_read_the_store_the_environment_names(tmp_path, monkeypatch, capsys):
    """$MIRAGE_OVERREAD_STORE over the settings' key (the commands had read the settings' store alone), and
    ``--store`` over it."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "none"))
    own = _signed(tmp_path / "own.sqlite", "Dr Settings")
    (tmp_path / "user" / "MIRAGE").mkdir(parents=True)
    (tmp_path / "user" / "MIRAGE" / "MIRAGE Review.ini").write_text(f"[overread]\nstore={own.path}\n",
                                                                    encoding="utf-8")
    env = _signed(tmp_path / "env.sqlite", "Dr Environment")
    monkeypatch.setenv("MIRAGE_OVERREAD_STORE", str(env.path))
    assert main(["overreads"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{env.path}: 1 record") and "signed by Dr Environment" in out and "Dr Settings" not in out
    flag = _signed(tmp_path / "flag.sqlite", "Dr Flag")
    assert main(["overreads", "--store", str(flag.path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{flag.path}: 1 record") and "Dr Flag" in out
    monkeypatch.delenv("MIRAGE_OVERREAD_STORE")
    assert main(["overreads"]) == 0
    assert capsys.readouterr().out.startswith(f"{own.path}: 1 record")


def test_the_app_reads_the_store_the_environment_names_as_the_commands_do(tmp_path, monkeypatch):
    """The window's store: --overreads, then $MIRAGE_OVERREAD_STORE, then its settings' (an admin's said as such)."""
    import pytest

    pytest.importorskip("PySide6")
    from PySide6.QtCore import QSettings

    from app.settings import Settings
    from app.window.overreads import OverReadsMixin

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "user"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.SystemScope, str(tmp_path / "sys"))
    (tmp_path / "sys" / "MIRAGE").mkdir(parents=True)
    admin_ini = tmp_path / "sys" / "MIRAGE" / "MIRAGE Review.ini"
    admin_ini.write_text("[overread]\nstore=/srv/dept.sqlite\n", encoding="utf-8")

    class Window(OverReadsMixin):
        settings = Settings()

    window = Window()
    choice = window.overread_choice()
    assert (choice.path, choice.source, choice.admin_file) == (Path("/srv/dept.sqlite"), ADMIN, str(admin_ini))
    window.settings.overread_store = str(tmp_path / "mine.sqlite")
    assert (window.overread_choice().path, window.overread_choice().source) == (tmp_path / "mine.sqlite", SETTINGS)
    monkeypatch.setenv("MIRAGE_OVERREAD_STORE", str(tmp_path / "env.sqlite"))
    assert window.overread_store().path == tmp_path / "env.sqlite" and not window.overread_store().make_folder
    window.overread_file = str(tmp_path / "flag.sqlite")
    assert window.overread_store().path == tmp_path / "flag.sqlite"
    window.overread_file = None
    monkeypatch.delenv("MIRAGE_OVERREAD_STORE")
    window.settings.overread_store = ""         # Default: the user's key removed, the admin's holds again
    assert (window.overread_choice().path, window.overread_choice().source) == (Path("/srv/dept.sqlite"), ADMIN)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.SystemScope, "/etc/xdg")    # Qt's own again
