"""Persistent preferences of MIRAGE Review (QSettings) and the Settings dialog.

Tests isolate these by calling ``QSettings.setPath`` on a ``tmp_path`` (see tests/test_app.py), as
mne-qt-browser's conftest does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog, QFormLayout, QHBoxLayout,
    QLabel, QLineEdit, QPushButton, QWidget,
)

from app.dialogs.form_rows import add_row
from app.dialogs.store_row import StoreRow
from app.views.dialog_focus import dialog_of
from app.views.placeholder import set_placeholder
from app.views.focus_ring import FocusRing
from mirage_model.review.store import STORE_NAME
from mirage_model.review.store_location import SettingsStore

ORGANIZATION = "MIRAGE"
APPLICATION = "MIRAGE Review"
MAX_RECENT = 10
DEVICES = ("auto", "cpu", "cuda")
PAGE_SIZES = ("A4", "Letter")
# the main window's splitters kept from one run to the next: the result column's width, its (result |
# measurements) split, the model image's width beside the tabs
SPLITTER_KEYS = ("result_column_width", "result_column", "model_image_width")


def absolute(path: str | Path) -> str:
    """``path`` made absolute against today's working directory ("" stays ""): a stored relative
    path (``mirage-review ../ecg/1.hea``) names another file, or none, once the app is started
    from elsewhere."""
    return os.path.abspath(path) if str(path) else ""


def qsettings() -> QSettings:
    """The application's settings store (INI format, so tests can redirect it with QSettings.setPath)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


class Settings:
    """Typed accessors over QSettings. Every getter has a safe default for a fresh install."""

    def __init__(self, store: QSettings | None = None):
        self._s = store if store is not None else qsettings()

    @property
    def file(self) -> str:
        """The settings file (INI; ~/.config/MIRAGE/MIRAGE Review.ini on Linux)."""
        return self._s.fileName()

    @property
    def window_geometry(self):
        """The main window's saved geometry (QByteArray from ``saveGeometry``) or None."""
        value = self._s.value("window/geometry")
        return value if value else None

    @window_geometry.setter
    def window_geometry(self, value) -> None:
        self._s.setValue("window/geometry", value)

    @property
    def result_splitters(self):
        """The main window's (traces | result column), (result | measurements) and (tabs | model image)
        splitter states (QByteArray from ``QSplitter.saveState``); None where not saved."""
        return tuple(self._s.value(f"window/{key}") or None for key in SPLITTER_KEYS)

    @result_splitters.setter
    def result_splitters(self, states) -> None:
        for key, state in zip(SPLITTER_KEYS, states):
            self._s.setValue(f"window/{key}", state)

    @property
    def panels_under_traces(self) -> bool:
        """View > Panels under the traces: the row under the traces shown (True, a fresh install) or hidden."""
        return str(self._get("window/panels_under_traces", "true")).lower() not in ("false", "0")

    @panels_under_traces.setter
    def panels_under_traces(self, on: bool) -> None:
        self._s.setValue("window/panels_under_traces", "true" if on else "false")

    def _get(self, key: str, default):
        value = self._s.value(key, default)
        return default if value is None else value

    @property
    def device(self) -> str:
        value = str(self._get("device", "auto"))
        return value if value in DEVICES else "auto"

    @device.setter
    def device(self, value: str) -> None:
        self._s.setValue("device", value if value in DEVICES else "auto")

    @property
    def model_path(self) -> str:
        """A checkpoint folder chosen by the user, or "" for the bundled default model."""
        return str(self._get("model_path", ""))

    @model_path.setter
    def model_path(self, value: str) -> None:
        self._s.setValue("model_path", str(value or ""))

    @property
    def page_size(self) -> str:
        value = str(self._get("report/page_size", "A4"))
        return value if value in PAGE_SIZES else "A4"

    @page_size.setter
    def page_size(self, value: str) -> None:
        self._s.setValue("report/page_size", value)

    @property
    def institution(self) -> str:
        return str(self._get("report/institution", ""))

    @institution.setter
    def institution(self, value: str) -> None:
        self._s.setValue("report/institution", value)

    @property
    def reviewer(self) -> str:
        return str(self._get("report/reviewer", ""))

    @reviewer.setter
    def reviewer(self, value: str) -> None:
        self._s.setValue("report/reviewer", value)

    @property
    def overread_store(self) -> str:
        """The file each record's over-read is kept in (``review.store``) as the settings say: "overread/store" where
        set (the user's, else an admin's system-wide one), else overreads.sqlite beside this settings file
        (~/.config/MIRAGE/ on Linux), the reader's own. $MIRAGE_OVERREAD_STORE and --overreads come first
        (``store_location.store_choice``)."""
        value = str(self._get("overread/store", ""))
        return value or str(self.store_settings().default)

    @overread_store.setter
    def overread_store(self, value: str) -> None:
        """"": the user's own key removed, so that an admin's (or none) holds again."""
        if value:
            self._s.setValue("overread/store", absolute(value))
        else:
            self._s.remove("overread/store")

    def store_settings(self) -> SettingsStore:
        """What these settings say of the over-read store, for ``store_location.store_choice``: an admin's key (in
        the system-wide file, /etc/xdg/MIRAGE/MIRAGE Review.ini) said as such."""
        named = str(self._get("overread/store", ""))
        own = QSettings(self._s.fileName(), QSettings.Format.IniFormat).contains("overread/store")
        return SettingsStore(named, "" if own or not named else self.admin_store()[1],
                             Path(self._s.fileName()).parent / STORE_NAME)

    @staticmethod
    def admin_store() -> tuple[str, str]:
        """(the over-read store an administrator names for every user, the system-wide settings file naming it);
        ("", "") where none does. The user's own key, where set, comes first (``store_settings``)."""
        system = QSettings(QSettings.Format.IniFormat, QSettings.Scope.SystemScope, ORGANIZATION, APPLICATION)
        value = str(system.value("overread/store", "") or "")
        return (value, system.fileName()) if value else ("", "")

    @property
    def dpi_override(self) -> float:
        """Physical DPI typed in by the user when the screen reports a wrong size (0 = use the screen's)."""
        try:
            return max(0.0, float(self._get("display/dpi_override", 0.0)))
        except (TypeError, ValueError):
            return 0.0

    @dpi_override.setter
    def dpi_override(self, value: float) -> None:
        self._s.setValue("display/dpi_override", float(value))

    @property
    def recent_files(self) -> list[str]:
        value = self._get("recent_files", [])
        if isinstance(value, str):
            value = [value] if value else []
        return [str(v) for v in value][:MAX_RECENT]

    def add_recent(self, path: str | Path) -> list[str]:
        """Put ``path`` first in the recent-files list (absolute, deduplicated, at most MAX_RECENT)."""
        path = absolute(path)
        files = [p for p in self.recent_files if p != path]
        files.insert(0, path)
        self._s.setValue("recent_files", files[:MAX_RECENT])
        return files[:MAX_RECENT]

    def clear_recent(self) -> None:
        self._s.setValue("recent_files", [])

    @property
    def last_folder(self) -> str:
        return str(self._get("last_folder", ""))

    @last_folder.setter
    def last_folder(self, value: str) -> None:
        self._s.setValue("last_folder", absolute(value))

    @property
    def batch_folder(self) -> str:
        """The folder the batch dialog last started a run on ("" before any): its Folder's default when no
        record of the user's is open."""
        return str(self._get("batch/folder", ""))

    @batch_folder.setter
    def batch_folder(self, value: str) -> None:
        self._s.setValue("batch/folder", absolute(value))

    @property
    def report_folder(self) -> str:
        """The folder the last PDF report was saved in ("" before any): where Export PDF report starts, a
        reviewer's reports kept together rather than among the records' data."""
        return str(self._get("reports/folder", ""))

    @report_folder.setter
    def report_folder(self, value: str) -> None:
        self._s.setValue("reports/folder", absolute(value))

    @property
    def print_folder(self) -> str:
        """The folder File > Print last printed to a file in ("" before any, or when the last print went to a
        printer): where the next print to a file starts, as Export starts where the last report went."""
        return str(self._get("print/folder", ""))

    @print_folder.setter
    def print_folder(self, value: str) -> None:
        self._s.setValue("print/folder", absolute(value) if value else "")

    def sync(self) -> None:
        self._s.sync()


class DecimalSpinBox(QDoubleSpinBox):
    """A ``QDoubleSpinBox`` that reads a decimal point and a decimal comma alike, whatever the locale.

    Qt's own takes the mark the locale does not use for decimals as a thousands separator and drops it:
    "96.5" typed on a German or French workstation was 965 dpi (the traces drawn 10 times too small),
    "96,5" in English the same. No field here holds thousands, so either mark is the decimal one.
    """

    def _decimal(self, text: str) -> str:
        point = self.locale().decimalPoint()
        return text.replace("." if point == "," else ",", point)

    def validate(self, text: str, pos: int):
        return super().validate(self._decimal(text), pos)

    def valueFromText(self, text: str) -> float:          # noqa: N802 (Qt's name)
        return super().valueFromText(self._decimal(text))


class SettingsDialog(QDialog):
    """Device (auto/cpu/cuda), model checkpoint folder, report page size and institution, screen DPI, the over-read
    store (``app.dialogs.store_row``)."""

    def __init__(self, settings: Settings, parent: QWidget | None = None, model_arg: str | None = None,
                 device_arg: str | None = None, overreads_arg: str | None = None,
                 store_changing: Callable[[Path], bool] | None = None):
        """``model_arg``, ``device_arg``: this run's --model and --device, which the fields' saved values do not
        show: said under them, and replaced only by a field changed here. ``overreads_arg``: this run's --overreads,
        which comes before the over-read store's row. ``store_changing``: asked before OK keeps another store for
        this run (its new file): False keeps the dialog open, the store unchanged (an over-read not signed)."""
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._settings = settings
        self.focus_ring = FocusRing(self)         # the focused control outlined, as in the main window
        form = QFormLayout(self)

        self.device = QComboBox()
        self.device.addItems(DEVICES)
        self.device.setCurrentText(settings.device)
        self.device.setToolTip("auto: the GPU when one is present, otherwise the CPU")
        add_row(form, "De&vice", self.device)

        self.model_path = QLineEdit(settings.model_path)
        set_placeholder(self.model_path, "bundled default model")
        # a path has room to be read: sized by its text, the field showed "bundled default ..." (1024x768)
        self.model_path.setMinimumWidth(self.model_path.fontMetrics().horizontalAdvance("x" * 36) + 16)
        browse = QPushButton("B&rowse...")
        browse.setAccessibleName("Browse for the model folder")
        browse.clicked.connect(self._browse_model)
        row = QHBoxLayout()
        row.addWidget(self.model_path, 1)
        row.addWidget(browse)
        add_row(form, "&Model (checkpoint folder)", row, self.model_path)
        this_run = [f"--model {model_arg}" if model_arg else "", f"--device {device_arg}" if device_arg else ""]
        if any(this_run):
            # the field showed "bundled default model" while a --model was in use, for this run only
            self.this_run = QLabel(f"This run uses {' and '.join(t for t in this_run if t)} (the command line); "
                                   "a field changed here replaces it.")
            self.this_run.setWordWrap(True)
            form.addRow("", self.this_run)

        self.page_size = QComboBox()
        self.page_size.addItems(PAGE_SIZES)
        self.page_size.setCurrentText(settings.page_size)
        add_row(form, "Report &page size", self.page_size)

        self.institution = QLineEdit(settings.institution)
        add_row(form, "&Institution", self.institution)

        self.dpi = DecimalSpinBox()
        self.dpi.setRange(0.0, 1000.0)
        self.dpi.setDecimals(1)
        self.dpi.setSpecialValueText("screen's own")
        self.dpi.setValue(settings.dpi_override)
        self.dpi.setToolTip("Physical dots per inch of this screen (its panel's pixels, whatever the display "
                            "scaling), if it reports a wrong size: measure the 10 mm calibration pulse with a "
                            "ruler to check true scale")
        add_row(form, "Screen &DPI", self.dpi)

        self.store = StoreRow(settings, overreads_arg)
        add_row(form, "Over-read &store", self.store, self.store.path)
        form.addRow("", self.store.note)
        form.addRow("", self.store.refusal)
        self._store_changing = store_changing

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse_model(self) -> None:
        with dialog_of(self):
            folder = QFileDialog.getExistingDirectory(self, "Model checkpoint folder", self.model_path.text())
        if folder:
            self.model_path.setText(folder)

    def accept(self) -> None:
        """OK: nothing kept where the over-read store chosen is refused (said under its row), or where the open
        record's over-read is not signed and its reader keeps the store it is in."""
        if self.store.refuse():
            self.store.path.setFocus()
            self.adjustSize()       # the reason's lines shown whole, not squeezed into the row's height
            return
        after = self.store.in_use(kept=True)
        if after != self.store.in_use(kept=False) and self._store_changing is not None \
                and not self._store_changing(after):
            self.store.refusal.setText("Not changed: the open record's over-read is still kept in "
                                       f"{self.store.in_use(kept=False)}.")
            self.store.refusal.setVisible(True)
            self.adjustSize()
            return
        super().accept()

    def apply(self) -> None:
        """Write the dialog's values into the settings."""
        s = self._settings
        s.overread_store = self.store.value()
        s.device = self.device.currentText()
        s.model_path = self.model_path.text().strip()
        s.page_size = self.page_size.currentText()
        s.institution = self.institution.text().strip()
        s.dpi_override = self.dpi.value()
        s.sync()
