"""The Settings dialog's over-read store row: the file each record's over-read is kept in (``review.store``), typed or
chosen with Browse..., Default to go back to the administrator's file or the one beside the settings. A file chosen is
checked before the dialog keeps it (``OverReadStore.check``: its folder not there, a share not mounted; a damaged file
or another program's database; a file or folder that cannot be written): the reason is said under the row and nothing
is kept. An administrator's file (the system-wide settings) and a file that this run takes from the command line or
$MIRAGE_OVERREAD_STORE, which come first (``store_location.store_choice``), are said under it too.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from app.views.dialog_focus import dialog_of
from app.views.placeholder import set_placeholder
from mirage_model.review.store import StoreError
from mirage_model.review.store_location import (ADMIN, COMMAND_LINE, ENVIRONMENT, SettingsStore, StoreChoice,
                                                store_choice)

ERROR_COLOUR = "#a00000"


class StoreRow(QWidget):
    """The path field, Browse... and Default; ``note`` (where the file comes from) and ``refusal`` (why a file chosen
    was not kept) are labels the dialog places under the row."""

    def __init__(self, settings, run_flag: str | None = None, parent: QWidget | None = None):
        """``settings``: the app's ``Settings``; ``run_flag``: this run's --overreads ("" or None: none)."""
        super().__init__(parent)
        self._settings, self._flag = settings, run_flag or None
        said = settings.store_settings()
        own = "" if said.admin_file else said.named       # the user's own key ("": none)
        self._before = own
        admin, where = settings.admin_store()       # read apart from the user's key, which hides it
        # what Default keeps: the administrator's file, else the one beside the settings
        self.fallback = store_choice(None, SettingsStore(admin, where, said.default))
        self.path = QLineEdit(own)
        set_placeholder(self.path, f"{self.fallback.path} (" + (
            "your administrator's)" if self.fallback.source == ADMIN else "default)"))
        self.path.setMinimumWidth(self.path.fontMetrics().horizontalAdvance("x" * 36) + 16)
        self.browse = QPushButton("Bro&wse...")
        self.browse.setAccessibleName("Browse for the over-read store")
        self.browse.clicked.connect(self._browse)
        self.default = QPushButton("Defau&lt")
        self.default.setToolTip("Keep over-reads in " + self._fallback_words())
        self.default.clicked.connect(self.path.clear)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        row.addWidget(self.default)
        self.note = QLabel(self._note())
        self.note.setWordWrap(True)
        self.note.setVisible(bool(self.note.text()))
        self.refusal = QLabel()
        self.refusal.setWordWrap(True)
        self.refusal.setStyleSheet(f"color: {ERROR_COLOUR}")
        self.refusal.setVisible(False)
        self.path.textEdited.connect(lambda _: self.refusal.setVisible(False))

    def _fallback_words(self) -> str:
        f = self.fallback
        return f"{f.path}, {f.why()}" if f.source == ADMIN else f"{f.path}, beside the settings file"

    def _note(self) -> str:
        this_run = store_choice(self._flag, self._settings.store_settings())
        if this_run.source in (COMMAND_LINE, ENVIRONMENT):
            return (f"This run keeps over-reads in {this_run.path} ({this_run.why()}), which comes before this "
                    "setting.")
        if self.fallback.source == ADMIN:
            return f"Your administrator keeps over-reads in {self.fallback.path} ({self.fallback.admin_file}); " \
                   "Default goes back to it."
        return ""

    def _browse(self) -> None:
        start = self.path.text().strip() or str(self.fallback.path)
        with dialog_of(self):
            name, _ = QFileDialog.getSaveFileName(self, "Over-read store", start,
                                                  "Over-read stores (*.sqlite);;All files (*)",
                                                  options=QFileDialog.Option.DontConfirmOverwrite)
        if name:
            self.path.setText(name)
            self.refusal.setVisible(False)

    def value(self) -> str:
        """The file typed or chosen, absolute ("": Default)."""
        text = self.path.text().strip()
        return os.path.abspath(Path(text).expanduser()) if text else ""

    def changed(self) -> bool:
        return self.value() != self._before

    def chosen(self) -> StoreChoice:
        """The store the settings will name once kept (this run's --overreads or $MIRAGE_OVERREAD_STORE aside)."""
        value = self.value()
        return store_choice(value) if value else self.fallback

    def in_use(self, kept: bool) -> Path:
        """The file this run keeps over-reads in now (``kept`` False), or once this row is kept: its --overreads or
        $MIRAGE_OVERREAD_STORE, where given, whatever the row says."""
        said = self._settings.store_settings()
        if kept:
            said = SettingsStore(self.value(), "", said.default) if self.value() else \
                SettingsStore(str(self.fallback.path) if self.fallback.named else "", self.fallback.admin_file,
                              said.default)
        return store_choice(self._flag, said).path

    def refuse(self) -> bool:
        """Whether the file chosen must not be kept, saying why under the row (``OverReadStore.check``); the default
        beside the settings is made where it is missing, as ever."""
        choice = self.chosen()
        if not self.changed() or not choice.named:
            return False
        try:
            choice.store().check()
        except StoreError as err:
            self.refusal.setText(f"Not kept: {err.problem[:1].lower()}{err.problem[1:]}.")
            self.refusal.setVisible(True)
            return True
        return False
