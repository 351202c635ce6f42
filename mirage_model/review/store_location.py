"""Which over-read store (``review.store``) a face reads and writes, chosen the same way by MIRAGE Review, ``mirage
report`` and ``mirage overreads``: the command line's file (the app's and ``mirage report``'s ``--overreads``,
``mirage overreads``' ``--store``), else the environment's :data:`ENV_STORE`, else the settings' key overread/store
(the user's own INI file, then an admin's system-wide one, /etc/xdg/MIRAGE/MIRAGE Review.ini, in Qt's order), else
:data:`~mirage_model.review.store.STORE_NAME` beside the user's settings file. Qt-free: the app hands in what its
QSettings read (``SettingsStore``), the commands let this module read the INI files.
Research use only, not a diagnosis.
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from pathlib import Path

from mirage_model.review.store import STORE_NAME, OverReadStore
from mirage_model.review.store_memory import MEMORY_NAME, StoreMemory

ENV_STORE = "MIRAGE_OVERREAD_STORE"     # names the store for one run or one machine's users, over the settings
INI_NAME = "MIRAGE Review.ini"
# where each choice came from, in the order they are taken
COMMAND_LINE, ENVIRONMENT, SETTINGS, ADMIN, DEFAULT = "command line", "environment", "settings", "admin", "default"


@dataclass(frozen=True)
class SettingsStore:
    """What the settings say of the store."""

    named: str              # the key overread/store's value, "" where no settings file sets it
    admin_file: str         # the system-wide file (an admin's) that sets it, "" where the user's own does or none
    default: Path           # STORE_NAME beside the user's settings file


@dataclass(frozen=True)
class StoreChoice:
    """The store chosen and why."""

    path: Path              # the SQLite file
    source: str             # COMMAND_LINE, ENVIRONMENT, SETTINGS, ADMIN or DEFAULT
    admin_file: str = ""    # ADMIN: the system-wide settings file that names it
    memory: Path | None = None      # what this user last saw of each store (``store_memory``), beside the settings

    @property
    def named(self) -> bool:
        """Whether a person named the file (perhaps on a shared folder): its folder not there is said, not made."""
        return self.source != DEFAULT

    def store(self, accepting: str = "") -> OverReadStore:
        """The store, judged against this user's memory of it (``accepting``: how this face takes a refused one as it
        is, ``StoreMemory``'s words; "": the command)."""
        return OverReadStore(self.path, make_folder=not self.named,
                             memory=None if self.memory is None else StoreMemory(self.memory, accepting))

    def why(self) -> str:
        """Where the choice came from, in words ("set by $MIRAGE_OVERREAD_STORE"); "" for the default."""
        return {COMMAND_LINE: "named on the command line", ENVIRONMENT: f"set by ${ENV_STORE}",
                SETTINGS: "set in your settings", ADMIN: f"set by your administrator in {self.admin_file}",
                DEFAULT: ""}[self.source]


def store_choice(flag: str | Path | None = None, settings: SettingsStore | None = None) -> StoreChoice:
    """The store a face uses: ``flag`` (the command line's file) where given, else ``$MIRAGE_OVERREAD_STORE`` where
    set (not empty), else ``settings`` (the app's QSettings; None: the INI files read here, ``settings_store``)."""
    memory = (settings.default.parent if settings is not None else settings_folder()) / MEMORY_NAME
    if flag:
        return StoreChoice(Path(flag).expanduser(), COMMAND_LINE, memory=memory)
    env = os.environ.get(ENV_STORE, "").strip()
    if env:
        return StoreChoice(Path(env).expanduser(), ENVIRONMENT, memory=memory)
    said = settings if settings is not None else settings_store()
    if said.named:
        return StoreChoice(Path(said.named).expanduser(), ADMIN if said.admin_file else SETTINGS, said.admin_file,
                           memory)
    return StoreChoice(said.default, DEFAULT, memory=memory)


def settings_folder() -> Path:
    """The folder of the user's settings file as MIRAGE Review finds it, without Qt (``settings_store``)."""
    appdata = os.environ.get("APPDATA") if os.name == "nt" else None
    return Path(appdata or os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "MIRAGE"


def settings_store() -> SettingsStore:
    """The key overread/store as MIRAGE Review finds it, without Qt (INI: %APPDATA%\\MIRAGE\\MIRAGE Review.ini on
    Windows, else $XDG_CONFIG_HOME or ~/.config /MIRAGE/MIRAGE Review.ini, then as Qt each of $XDG_CONFIG_DIRS'
    (/etc/xdg), where an admin sets it for every user)."""
    folder = settings_folder()
    dirs = [] if os.name == "nt" else (os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)
    named, admin = "", ""      # a settings file that cannot be read (MIRAGE Review could not either): the next
    for where in (folder, *(Path(d) / "MIRAGE" for d in dirs if d)):
        ini = configparser.ConfigParser(interpolation=None)
        try:
            ini.read(where / INI_NAME, encoding="utf-8")
            if ini.has_option("overread", "store"):     # the first file that has the key: Qt's order
                named = ini.get("overread", "store").strip()
                admin = "" if where == folder else str(where / INI_NAME)
                break
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue
    if len(named) > 1 and named[0] == named[-1] == '"':
        named = named[1:-1]     # QSettings quotes a value with a comma or leading space
    return SettingsStore(named, admin if named else "", folder / STORE_NAME)
